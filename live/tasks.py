"""Time-critical live work, run by the "live" django-q2 cluster (never behind a transcode)."""

from __future__ import annotations

import logging

from catalog.ids import new_public_id
from live import hooks, sessions
from live.models import LiveSession
from live.packaging import thumbnail

log = logging.getLogger(__name__)


def capture_thumbnail(session_id: str, init_name: str, segment_name: str) -> str | None:
    """Save a frame of the session's latest segment as the channel's thumbnail."""
    session = LiveSession.objects.filter(pk=session_id).select_related("channel").first()
    if session is None:
        return None
    # Under the channel, not the session: the card shows it after the session ends too, and
    # a session without a replay keeps no files.
    target = f"channels/{session.channel_id}/thumbs/{new_public_id()}.jpg"
    try:
        name = thumbnail.capture(init_name=init_name, segment_name=segment_name, target_name=target)
    except FileNotFoundError:  # the session ended and its files went meanwhile
        return None
    sessions.thumbnail_set(channel_id=session.channel_id, name=name)
    hooks.thumbnail_captured.send(sender=LiveSession, session=session, name=name)
    return name
