"""The OpenAPI schema tells the truth: every status an operation can answer is documented.

``AutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds the refusals that follow
from how a view is configured rather than from what it does, so endpoints that later apps add
are covered without repeating them: 400/413/415 where a request body is read, 401 where a
token is checked, 403 for writes, 404 for paths with parameters and for pages of a list, 429
where a throttle applies. Responses an operation declares itself (``@extend_schema``) win.
``PartialUpdateSerializer`` is the input of a PATCH: at least one field, only known fields,
and the schema says so (``minProperties``, ``additionalProperties``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from config.api_errors import ErrorSerializer

BODY_METHODS = {"POST", "PUT", "PATCH"}

# DRF's field errors: {"field": ["message", …], "non_field_errors": [...]}, or {"detail": …}
# when the body could not be parsed at all.
VALIDATION_ERROR = {
    "type": "object",
    "description": 'Field errors ({"title": ["…"], "non_field_errors": ["…"]}) or {"detail": "…"}.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the refusals implied by the view's configuration."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, response in self._implied_responses(operation).items():
            responses.setdefault(code, response)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _implied_responses(self, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
        implied: dict[str, dict[str, Any]] = {}
        if "requestBody" in operation:
            implied["400"] = self._error("Invalid input.", self._validation_error_ref())
            implied["413"] = self._error("The request body is too large.")
            implied["415"] = self._error("The body is in a format this operation does not take.")
        authenticators = self.view.get_authenticators()
        if any(a.authenticate_header(None) for a in authenticators):  # type: ignore[arg-type]
            implied["401"] = self._error("Not signed in, or the token is not valid.")
        if authenticators and self.method not in SAFE_METHODS:
            implied["403"] = self._error("Not allowed (e.g. not the owner; no CSRF token).")
        if "{" in self.path:
            implied["404"] = self._error("Not found, or not visible to you.")
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            implied["404"] = self._error("No such page (?page= past the end, or not a number).")
        if self.view.get_throttles():
            implied["429"] = self._error(
                "Too many requests: try again after the Retry-After header's seconds.",
                headers={
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": "Seconds to wait before trying again.",
                    }
                },
            )
        return implied

    def _error(
        self,
        description: str,
        schema: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if schema is None:
            schema = self.resolve_serializer(ErrorSerializer, "response").ref
        content = {media_type: {"schema": schema} for media_type in self._error_media_types()}
        response: dict[str, Any] = {"description": description, "content": content}
        if headers:
            response["headers"] = headers
        return response

    def _error_media_types(self) -> list[str]:
        return self.map_renderers("media_type") or ["application/json"]

    def _validation_error_ref(self) -> dict[str, str]:
        component = ResolvedComponent(
            name="ValidationError",
            type=ResolvedComponent.SCHEMA,
            object="ValidationError",
            schema=VALIDATION_ERROR,
        )
        self.registry.register_on_missing(component)
        return component.ref


class PartialUpdateSerializer(serializers.Serializer[Any]):
    """The body of a PATCH: any of the fields, at least one, and no unknown ones."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        known = ", ".join(self.fields)
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(f"Unknown field: {', '.join(unknown)}. Send {known}.")
        if not attrs:
            raise serializers.ValidationError(f"Send at least one of: {known}.")
        return attrs


class PartialUpdateSchema(OpenApiSerializerExtension):
    """Document what ``PartialUpdateSerializer.validate`` refuses."""

    target_class = PartialUpdateSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: openapi.AutoSchema, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema.update(minProperties=1, additionalProperties=False)
        return schema
