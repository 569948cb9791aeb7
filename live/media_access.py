"""Who may fetch a live session's files: everyone while live, then as its replay allows."""

from __future__ import annotations

import re

from catalog.ids import looks_like_id
from catalog.models import Video
from catalog.selectors import MediaAccess
from live.models import LiveSession

_SESSION_FILE = re.compile(r"^live/([^/]+)/([^/]+)/")


def session_media_access(name: str) -> MediaAccess | None:
    """Return the visibility of ``live/<channel>/<session>/…`` files (None: nobody's)."""
    match = _SESSION_FILE.match(name)
    if match is None or not all(looks_like_id(part) for part in match.groups()):
        return None
    row = (
        LiveSession.objects.filter(pk=match.group(2), channel_id=match.group(1))
        .order_by()
        .values_list("status", "channel__owner_id", "replay__visibility", "replay__owner_id")
        .first()
    )
    if row is None:
        return None
    status, channel_owner, replay_visibility, replay_owner = row
    if status != LiveSession.Status.ENDED:
        return MediaAccess(Video.Visibility.PUBLIC, channel_owner)  # live: anyone may watch
    if replay_visibility is None:
        return None  # ended without a replay (too short, or deleted): nothing to watch
    return MediaAccess(replay_visibility, replay_owner)
