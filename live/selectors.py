"""Public reads of live channels: what viewers may see, in the order they expect."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import F, Max, QuerySet

from catalog.files import storage_url
from catalog.models import Video
from catalog.selectors import Viewer
from live import presence
from live.models import SLUG_MAX_CHARS, Channel


class ChannelStatus(NamedTuple):
    """What a channel's socket says on connect: whether it is live, and where to watch."""

    channel_id: str
    is_live: bool
    hls_url: str | None


# What a channel's address can be (services.check_slug says more): anything else is no
# channel, and junk (NULs, which PostgreSQL refuses; huge strings) never reaches the database.
_SLUG = re.compile(rf"[a-z0-9-]{{1,{SLUG_MAX_CHARS}}}")


def _looks_like_slug(slug: object) -> bool:
    return isinstance(slug, str) and _SLUG.fullmatch(slug) is not None


def hls_url(channel: Channel) -> str | None:
    """Return the URL of the channel's live playlist while it is live and packaged, else None."""
    session = channel.current_session if channel.is_live else None
    return storage_url(session.hls_path) if session is not None and session.hls_path else None


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


def channel_replays(*, channel: Channel, user: Viewer) -> QuerySet[Video]:
    """Return the channel's ready replays the viewer may see listed, newest first.

    Everyone sees the public ones; the channel's owner also sees their unlisted and private
    ones (an unlisted replay is for those who have its link, so it is not listed to others).
    """
    replays = Video.objects.filter(
        kind=Video.Kind.REPLAY, live_session__channel=channel, status=Video.Status.READY
    )
    if not (user.is_authenticated and user.pk == channel.owner_id):
        replays = replays.filter(visibility=Video.Visibility.PUBLIC)
    return replays.select_related("owner").order_by("-created", "-id")


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
