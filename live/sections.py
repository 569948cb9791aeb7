"""What the live app adds to other apps' pages: the channels live now, above the catalog, and
a replay's chat beside its video."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from catalog.models import Video
from live import selectors
from live.models import ChatMessage, LiveSession

HOME_LIVE_CHANNELS = 4  # one row on a desktop screen


def live_now(request: HttpRequest) -> dict[str, Any] | None:
    """Return the context of the home page's "Live now" row, or None when nobody is live."""
    channels = selectors.channels_live_now(limit=HOME_LIVE_CHANNELS + 1)
    if not channels:
        return None
    return {
        "cards": selectors.channel_cards(channels[:HOME_LIVE_CHANNELS]),
        "more": len(channels) > HOME_LIVE_CHANNELS,
        "list_url": reverse("live:channels"),
    }


def replay_chat(request: HttpRequest, video: Video) -> dict[str, Any] | None:
    """Return the context of a replay's chat panel, or None (not a replay, or a silent one)."""
    if video.kind != Video.Kind.REPLAY:
        return None
    session = LiveSession.objects.filter(replay_id=video.pk).only("pk").first()
    if session is None:
        return None
    count = ChatMessage.objects.filter(session_id=session.pk, deleted=False).count()
    if not count:
        return None
    return {"count": count, "chat_url": reverse("api-replay-chat", args=[video.pk])}
