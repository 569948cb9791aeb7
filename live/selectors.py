"""Reads of live channels: lists, lookups, replays, moderators and stream health."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from accounts.models import User
from catalog import selectors as catalog_selectors
from catalog.files import storage_url
from catalog.models import Video
from live.models import SLUG_MAX_CHARS, Channel, ChannelModerator, LiveSession

Viewer = User | AnonymousUser
_SLUG_SHAPE = re.compile(r"[a-z0-9-]+")
USERNAME_MAX_CHARS = User._meta.get_field("username").max_length or 150
# A keyframe interval the packager can cut 1 s segments on; more: the page warns the streamer.
# (A little over 1 s is still 1 s: intervals are measured between frame timestamps.)
KEYFRAME_TARGET_SECONDS = 1.0
KEYFRAME_TOLERANCE_SECONDS = 0.1


def _looks_like_slug(value: object) -> bool:
    """Keep junk (2 KB paths, NULs) away from the database: a slug is short and plain."""
    return (
        isinstance(value, str)
        and len(value) <= SLUG_MAX_CHARS
        and _SLUG_SHAPE.fullmatch(value) is not None
    )


def channel_list() -> QuerySet[Channel]:
    """Return every channel, live ones first, then the newest."""
    return Channel.objects.select_related("owner", "current_session").order_by(
        "-is_live", "-created", "-pk"
    )


def channel_get(*, slug: str) -> Channel | None:
    """Return the channel with this address, if there is one."""
    if not _looks_like_slug(slug):
        return None
    return channel_list().filter(slug=slug).first()


def owned_channels(*, user: Viewer) -> QuerySet[Channel]:
    """Return the user's own channels, live ones first."""
    return channel_list().filter(owner_id=user.pk)


def channel_get_owned(*, user: Viewer, slug: str) -> Channel | None:
    """Return the user's own channel with this address, else ``None``."""
    if not user.is_authenticated or not _looks_like_slug(slug):
        return None
    return owned_channels(user=user).filter(slug=slug).first()


def channel_replays(*, user: Viewer, channel: Channel) -> QuerySet[Video]:
    """Return the channel's replays the viewer may list, newest first (the catalog's rules).

    Public ready replays for everyone; the owner sees theirs in any state and visibility.
    """
    return catalog_selectors.video_list(user=user).filter(
        kind=Video.Kind.REPLAY, live_session__channel=channel
    )


def open_session(channel: Channel) -> LiveSession | None:
    """Return the channel's session that has not ended (live or waiting to reconnect)."""
    return (
        LiveSession.objects.filter(channel_id=channel.pk)
        .exclude(status=LiveSession.Status.ENDED)
        .order_by("-started")
        .first()
    )


def live_hls_url(channel: Channel) -> str | None:
    """Return the live master playlist's URL while the channel is live, else ``None``."""
    session = channel.current_session
    if not channel.is_live or session is None or not session.hls_path:
        return None
    return storage_url(session.hls_path)


def keyframe_warning(health: dict[str, Any]) -> bool:
    """Tell whether the source's keyframes are further apart than the segments need."""
    interval = health.get("keyframe_interval")
    if not isinstance(interval, int | float) or isinstance(interval, bool):
        return False
    return interval > KEYFRAME_TARGET_SECONDS + KEYFRAME_TOLERANCE_SECONDS


def stream_health(channel: Channel) -> dict[str, Any]:
    """Return the open session's health, status and start, or nulls when offline."""
    session = open_session(channel)
    if session is None:
        return {"health": None, "status": None, "started": None, "keyframe_warning": None}
    health = session.health if isinstance(session.health, dict) else {}
    return {
        "health": health,
        "status": session.status,
        "started": session.started,
        "keyframe_warning": bool(health.get("keyframe_warning")) or keyframe_warning(health),
    }


def may_end_session(*, user: Viewer, channel: Channel) -> bool:
    """Tell whether ``user`` may end the channel's stream: its owner, or an operator."""
    if not user.is_authenticated:
        return False
    return user.pk == channel.owner_id or user.has_perm("live.end_any_session")


def may_read_moderators(*, user: Viewer, channel: Channel) -> bool:
    """Owners and the channel's moderators see who moderates it."""
    if not user.is_authenticated:
        return False
    if user.pk == channel.owner_id:
        return True
    return ChannelModerator.objects.filter(channel=channel, user_id=user.pk).exists()


def moderators(*, channel: Channel) -> QuerySet[ChannelModerator]:
    """Return the channel's moderators, longest-serving first."""
    return (
        ChannelModerator.objects.filter(channel=channel)
        .select_related("user")
        .order_by("created", "pk")
    )


def user_by_username(username: str) -> User | None:
    """Return the active account with this username, if any."""
    if not isinstance(username, str) or not 0 < len(username) <= USERNAME_MAX_CHARS:
        return None
    if "\x00" in username:
        return None
    return User.objects.filter(username=username, is_active=True).first()
