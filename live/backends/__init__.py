"""Live backends, picked by a channel's ``backend`` (a dotted path per name in settings)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from live.backends.base import LiveBackend


def get_backend(name: str | None = None) -> LiveBackend:
    """Return the backend a channel uses (the configured one for new channels)."""
    cls = import_string(settings.LIVE_BACKENDS[name or settings.LIVE_BACKEND])
    backend: LiveBackend = cls()
    return backend
