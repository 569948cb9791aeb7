"""How large a request body each route accepts, declared by URL name beside the routes.

Django's default, ``DATA_UPLOAD_MAX_MEMORY_SIZE``, holds for every route: DRF's JSON and form
parsers read a whole body into memory, so a sign-in or an edit never needs more. Routes that
take files raise their own cap with one line in their ``urls.py``::

    body_limits.accept(body_limits.UPLOAD, "catalog:upload")

The upload-size guard (``config/upload_guard.py``) looks the route up with Django's own
``resolve()`` before the body is read, so the declaration follows the URL wherever it moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import get_script_prefix
from django.http import Http404
from django.urls import resolve

# Room for the multipart envelope (boundaries, part headers, the other form fields).
ENVELOPE_BYTES = 1024 * 1024
# A subtitle form has two short fields besides its file (language tag, label).
SUBTITLE_ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True)
class BodyLimit:
    """A cap on request bodies: a setting (read per request) plus room for the envelope."""

    what: str  # how the 413 names the body: "The upload is 3.0 GB; …"
    setting: str
    envelope: int = 0

    def allowed(self) -> int | None:
        """Return the size the setting allows (``None``: no limit, as Django reads it)."""
        value = getattr(settings, self.setting)
        return None if value is None else int(value)

    def max_body(self) -> int | None:
        """Return the largest request body accepted, envelope included."""
        allowed = self.allowed()
        return None if allowed is None else allowed + self.envelope


UPLOAD = BodyLimit("upload", "UPLOAD_MAX_BYTES", ENVELOPE_BYTES)
SUBTITLE = BodyLimit("subtitle upload", "SUBTITLE_MAX_BYTES", SUBTITLE_ENVELOPE_BYTES)
DEFAULT = BodyLimit("request body", "DATA_UPLOAD_MAX_MEMORY_SIZE")

_declared: dict[tuple[str, str], BodyLimit] = {}


def accept(limit: BodyLimit, view_name: str, methods: tuple[str, ...] = ("POST",)) -> None:
    """Let ``methods`` on the route named ``view_name`` (``namespace:name``) take ``limit``."""
    for method in methods:
        _declared[(method.upper(), view_name)] = limit


def limit_for(scope: Mapping[str, Any]) -> BodyLimit:
    """Return the cap for an ASGI HTTP request: its route's declared one, else ``DEFAULT``."""
    path = str(scope["path"]).removeprefix(get_script_prefix(scope))  # Django's path_info
    try:
        match = resolve(path)  # imports the URLconf first, so every declaration has run
    except Http404:  # Resolver404: the request will be a 404, whose body nobody reads
        return DEFAULT
    return _declared.get((str(scope["method"]).upper(), match.view_name), DEFAULT)
