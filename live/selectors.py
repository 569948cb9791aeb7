"""Reads of live channels: lists, lookups, cards, replays, moderators and stream health."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import F, Max, QuerySet

from accounts.models import User
from catalog import selectors as catalog_selectors
from catalog.files import storage_url
from catalog.models import Video
from catalog.selectors import Viewer
from live import presence
from live.models import SLUG_MAX_CHARS, Channel, ChannelModerator, LiveSession


class ChannelStatus(NamedTuple):
    """What a channel's socket says on connect: whether it is live, and where to watch."""

    channel_id: str
    is_live: bool
    hls_url: str | None


# What a channel's address can be (services.check_slug says more): anything else is no
# channel, and junk (NULs, which PostgreSQL refuses; huge strings) never reaches the database.
_SLUG = re.compile(rf"[a-z0-9-]{{1,{SLUG_MAX_CHARS}}}")

USERNAME_MAX_CHARS = User._meta.get_field("username").max_length or 150
# A keyframe interval the packager can cut 1 s segments on; more: the page warns the streamer.
# (A little over 1 s is still 1 s: intervals are measured between frame timestamps.)
KEYFRAME_TARGET_SECONDS = 1.0
KEYFRAME_TOLERANCE_SECONDS = 0.1


def _looks_like_slug(slug: object) -> bool:
    return isinstance(slug, str) and _SLUG.fullmatch(slug) is not None


def hls_url(channel: Channel) -> str | None:
    """Return the URL of the channel's live playlist while it is live and packaged, else None."""
    session = channel.current_session if channel.is_live else None
    if session is None or not session.hls_path:
        return None
    if session.hls_path.startswith("https://"):  # an IVS channel's playback URL
        return session.hls_path
    return storage_url(session.hls_path)


def channel_for_viewers(*, slug: str) -> Channel | None:
    """Return the channel at ``slug`` with what its page shows, or None."""
    if not _looks_like_slug(slug):
        return None
    return Channel.objects.select_related("owner", "current_session").filter(slug=slug).first()


def channel_status(*, slug: str) -> ChannelStatus | None:
    """Return the live status of the channel at ``slug``, or None if there is none."""
    channel = channel_for_viewers(slug=slug)
    if channel is None:
        return None
    return ChannelStatus(channel.pk, channel.is_live, hls_url(channel))


def channel_status_by_id(*, channel_id: str) -> ChannelStatus | None:
    """Return the live status of the channel with this id, or None."""
    channel = Channel.objects.select_related("current_session").filter(pk=channel_id).first()
    if channel is None:
        return None
    return ChannelStatus(channel.pk, channel.is_live, hls_url(channel))


def channels_listing() -> QuerySet[Channel]:
    """Return every channel: live ones first (latest to go live first), then the recently live."""
    return (
        Channel.objects.select_related("owner", "current_session")
        .annotate(last_live=Max("sessions__started"))
        .order_by(
            "-is_live",
            F("current_session__started").desc(nulls_last=True),
            F("last_live").desc(nulls_last=True),
            "-created",
            "id",
        )
    )


def channels_live_now(*, limit: int) -> list[Channel]:
    """Return up to ``limit`` channels that are live, latest to go live first."""
    return list(channels_listing().filter(is_live=True)[:limit])


@dataclass(frozen=True)
class ChannelCard:
    """A channel as a list shows it: its picture and, while live, how many watch."""

    channel: Channel
    viewers: int
    image_url: str | None


def _card_image(channel: Channel) -> str | None:
    # Live: the latest frame the ingest captured. Offline: the channel's own picture.
    if channel.is_live and channel.thumbnail_path:
        return storage_url(channel.thumbnail_path)
    for image in (channel.offline_image, channel.avatar):
        if image:
            return image.url
    return storage_url(channel.thumbnail_path)


def channel_cards(channels: Iterable[Channel]) -> list[ChannelCard]:
    """Return cards for ``channels`` with their viewer counts (one query for them all)."""
    channels = list(channels)
    counts = presence.viewer_counts([channel.pk for channel in channels if channel.is_live])
    return [
        ChannelCard(channel, counts.get(channel.pk, 0), _card_image(channel))
        for channel in channels
    ]


def channel_list() -> QuerySet[Channel]:
    """Return every channel, live ones first (the API's list and the owner's)."""
    return channels_listing()


def channel_get(*, slug: str) -> Channel | None:
    """Return the channel with this address, if there is one."""
    return channel_for_viewers(slug=slug)


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
