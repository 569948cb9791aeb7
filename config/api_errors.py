"""One exception handler for the whole API: every refusal is ``{"detail": …}`` or field errors.

Apps raise ``UserFacingError`` subclasses (``catalog.errors.CatalogError`` today; live, music
and moderation errors later) from their services; views let them propagate and this handler,
set as ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``, answers with the error's status and message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.units import human_bytes


class UserFacingError(Exception):
    """An error whose message is written for the person who caused it.

    ``str(error)`` is shown as it is; ``status_code`` is the HTTP status the API answers with.
    """

    status_code = 400


class ErrorSerializer(serializers.Serializer[Any]):
    """The shape of every refusal that is not about particular fields."""

    detail = serializers.CharField(help_text="A sentence saying what went wrong.")


def _api_exception(status_code: int, message: str) -> exceptions.APIException:
    error = exceptions.APIException(detail=message)
    error.status_code = status_code
    return error


def as_api_exception(exc: Exception) -> Exception:
    """Translate our errors and Django's form-size refusals into DRF's; leave others as they are."""
    if isinstance(exc, UserFacingError):
        return _api_exception(exc.status_code, str(exc))
    if isinstance(exc, RequestDataTooBig):
        limit = human_bytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
        return _api_exception(413, f"The form fields other than the file may hold {limit} in all.")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return _api_exception(400, "The form has too many fields or files.")
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer API errors as JSON (DRF's handler, after translating ours); ``None`` re-raises."""
    return drf_exception_handler(as_api_exception(exc), context)


@csrf_exempt  # it changes nothing, and a CSRF refusal would be an HTML page
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Answer an unknown ``/api/…`` address with JSON, whatever the method and DEBUG.

    Mounted after every API route: without it Django answers with its HTML 404 page, which
    lists every URL pattern when DEBUG is on.
    """
    detail = "There is no API endpoint at this address."
    with_slash = f"{request.path}/"
    if not request.path.endswith("/") and _is_api_route(with_slash):
        detail += f" Did you mean {with_slash} (with the slash)?"
    return JsonResponse({"detail": detail}, status=404)


def _is_api_route(path: str) -> bool:
    try:
        return resolve(path).func is not api_not_found
    except Resolver404:
        return False
