"""The OpenAPI schema tells the truth: every status an operation can answer is documented.

``AutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds the refusals that follow
from how a view is configured rather than from what it does, so endpoints that later apps add
are covered without repeating them: 400/413/415 where a request body is read, 401 where a
token is checked, 403 for writes, 404 for paths with parameters and for pages of a list, 429
where a throttle applies or the view names the action in ``rate_limited_actions`` (limits
counted by ``config.ratelimit`` rather than by a DRF throttle). Responses an operation
declares itself (``@extend_schema``) win.
``StrictInputSerializer`` takes JSON values of exactly the documented types, and
``PartialUpdateSerializer`` is the input of a PATCH: at least one field, only known fields,
and the schema says so (``minProperties``, ``additionalProperties``).
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from config.api_errors import ErrorSerializer

Field = serializers.Field[Any, Any, Any, Any]

# DRF's field errors: {"field": ["message", …], "non_field_errors": [...]}, or {"detail": …}
# when the body could not be parsed at all.
VALIDATION_ERROR = {
    "type": "object",
    "description": 'Field errors ({"title": ["…"], "non_field_errors": ["…"]}) or {"detail": "…"}.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


# "Has a character that is not whitespace" as DRF's trimming (str.strip) understands it, for
# fields that refuse blank text: "   " passes minLength 1 but is refused once trimmed. The
# class lists Python's whitespace so the pattern means the same in ECMA and Python.
_WHITESPACE = "".join(f"\\u{code:04x}" for code in range(0x3001) if chr(code).isspace())
NOT_BLANK = rf"^[\s\S]*[^{_WHITESPACE}][\s\S]*$"  # anchored: some tools read patterns so


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the refusals implied by the view's configuration."""

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or schema.get("type") != "string":
            return schema
        trimmed = isinstance(field, serializers.CharField) and field.trim_whitespace
        if trimmed and not field.allow_blank and "pattern" not in schema:
            schema["pattern"] = NOT_BLANK
        return schema

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        if "requestBody" in operation and _is_partial_update(self.get_request_serializer()):
            operation["requestBody"]["required"] = True  # no body means no field: refused
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
        elif self._validates_query():
            implied["400"] = self._error("Invalid query parameters.", self._validation_error_ref())
        authenticators = self.view.get_authenticators()
        if any(a.authenticate_header(None) for a in authenticators):  # type: ignore[arg-type]
            implied["401"] = self._error("Not signed in, or the token is not valid.")
        if authenticators and self.method not in SAFE_METHODS:
            implied["403"] = self._error("Not allowed (e.g. not the owner; no CSRF token).")
        if "{" in self.path:
            implied["404"] = self._error("Not found, or not visible to you.")
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            implied["404"] = self._error("No such page (?page= past the end, or not a number).")
        if self.view.get_throttles() or self._rate_limited():
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

    def _validates_query(self) -> bool:
        """Tell whether the view validates this action's query (``query_validated_actions``)."""
        action = getattr(self.view, "action", None) or self.method.lower()
        return action in getattr(self.view, "query_validated_actions", ())

    def _rate_limited(self) -> bool:
        """Tell whether the view limits this action itself (viewset action, or method)."""
        action = getattr(self.view, "action", None) or self.method.lower()
        return action in getattr(self.view, "rate_limited_actions", ())

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


# The JSON type the schema gives each kind of field (the first that matches). DRF is looser
# (a CharField takes 0 as "0", a BooleanField takes "yes"), which the schema does not say.
JSON_TYPES: tuple[tuple[type[Field], tuple[type, ...], str], ...] = (
    (serializers.BooleanField, (bool,), "true or false"),
    (serializers.MultipleChoiceField, (list,), "a list"),
    (serializers.ChoiceField, (str,), "a string"),
    (serializers.CharField, (str,), "a string"),
    (serializers.IntegerField, (int,), "an integer"),
    (serializers.FloatField, (int, float), "a number"),
)


class StrictInputSerializer(serializers.Serializer[Any]):
    """Input taken as the schema describes it, where DRF would bend it.

    A JSON value of another type is refused rather than converted; a form field sent empty
    is validated rather than ignored (DRF skips an optional field sent as "" in a form, so
    ``title=`` in a PATCH would answer 200 and change nothing); a text's length limit
    applies to what was sent, as the schema's maxLength does, not to what is left once
    DRF has trimmed it.
    """

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, Any] = {}
        for name, field in self.fields.items():
            limit = getattr(field, "max_length", None)
            value = data.get(name) if isinstance(data, dict) else None
            if limit is not None and isinstance(value, str) and len(value) > limit:
                errors[name] = [field.error_messages["max_length"].format(max_length=limit)]
        if isinstance(data, QueryDict):
            for name, field in self.fields.items():
                if data.get(name) == "" and not field.required and name not in errors:
                    try:
                        field.run_validation("")
                    except serializers.ValidationError as exc:
                        errors[name] = exc.detail
        elif isinstance(data, dict):
            for name, field in self.fields.items():
                if (
                    name in data
                    and (error := _type_error(field, data[name]))
                    and name not in errors
                ):
                    errors[name] = [error]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _type_error(field: Field, value: Any) -> str | None:
    """Say what ``value`` should have been if its JSON type is not the field's."""
    if value is None and field.allow_null:
        return None
    for kind, types, words in JSON_TYPES:
        if isinstance(field, kind):
            ok = isinstance(value, types) and (bool in types or not isinstance(value, bool))
            return None if ok else f"Must be {words}."
    return None


class PartialUpdateSerializer(StrictInputSerializer):
    """The body of a PATCH: any of the fields, at least one, and no unknown ones."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        known = ", ".join(self.fields)
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(f"Unknown field: {', '.join(unknown)}. Send {known}.")
        if not attrs:
            raise serializers.ValidationError(f"Send at least one of: {known}.")
        return attrs


def _is_partial_update(serializer: Any) -> bool:
    serializers_ = serializer.values() if isinstance(serializer, dict) else [serializer]
    return any(
        isinstance(s, PartialUpdateSerializer)
        or (isinstance(s, type) and issubclass(s, PartialUpdateSerializer))
        for s in serializers_
    )


class PartialUpdateSchema(OpenApiSerializerExtension):
    """Document what ``PartialUpdateSerializer.validate`` refuses."""

    target_class = PartialUpdateSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: openapi.AutoSchema, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema.update(minProperties=1, additionalProperties=False)
        return schema
