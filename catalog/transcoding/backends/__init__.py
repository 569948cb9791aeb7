"""Transcoder backends, picked by ``settings.TRANSCODER`` (a dotted path per name)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from catalog.transcoding.backends.base import Transcoder


def get_transcoder() -> Transcoder:
    """Return an instance of the configured transcoder backend."""
    cls = import_string(settings.TRANSCODER_BACKENDS[settings.TRANSCODER])
    transcoder: Transcoder = cls()
    return transcoder
