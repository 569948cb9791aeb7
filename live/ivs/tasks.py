"""Scheduled IVS work on the "live" cluster: live thumbnails to the moderation hook.

IVS writes a thumbnail of a recorded stream every 60 s under the recording's prefix (learned
from the "Recording Start" event) and tells nobody; this runs every minute (a django-q2
schedule added by live's migration), hands the new ones of each live IVS session to
``live.hooks.thumbnail_captured`` (the moderation app reviews them) and counts them on the
session, so each goes once whatever runs overlap.
"""

from __future__ import annotations

import logging

from live import hooks
from live.ivs import recordings
from live.models import Channel, LiveSession

log = logging.getLogger(__name__)


def thumbnails_to_review(session: LiveSession) -> list[str]:
    """Claim the session's thumbnails not handed out yet; [] if another run claimed them."""
    if not session.output_prefix:
        return []
    names = recordings.thumbnails(session.output_prefix)
    seen = session.thumbnails_seen
    if len(names) <= seen:
        return []
    claimed = LiveSession.objects.filter(pk=session.pk, thumbnails_seen=seen).update(
        thumbnails_seen=len(names)
    )
    return names[seen:] if claimed else []


def send(session: LiveSession, names: list[str]) -> None:
    for name in names:
        hooks.thumbnail_captured.send(sender=LiveSession, session=session, name=name)


def review_live_thumbnails() -> int:
    """Send the new thumbnails of every live IVS session; return how many."""
    live = (
        LiveSession.objects.filter(channel__backend=Channel.Backend.IVS)
        .exclude(status=LiveSession.Status.ENDED)
        .exclude(output_prefix="")
        .select_related("channel")
    )
    sent = 0
    for session in live:
        names = thumbnails_to_review(session)
        send(session, names)
        sent += len(names)
    return sent


def review_thumbnails(session_id: str) -> int:
    """After the recording ended: send the thumbnails the live runs did not reach."""
    session = LiveSession.objects.filter(pk=session_id).select_related("channel").first()
    if session is None:
        return 0
    names = thumbnails_to_review(session)
    send(session, names)
    return len(names)
