"""Reads of the catalog: who may see which videos, in the order people expect."""

from __future__ import annotations

from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db.models import FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce

from accounts.models import User
from catalog.ids import looks_like_id
from catalog.models import Rendition, Subtitle, Video

SEARCH_MAX_CHARS = 200
# A video's length is known once its transcode has published; until then the queue quota
# estimates it from the file's size at this bitrate, typical of 1080p phone video (a lower
# guess would overcount most uploads, a higher one undercount them).
ESTIMATE_BITS_PER_SECOND = 8_000_000

Viewer = User | AnonymousUser


def _with_details(videos: QuerySet[Video]) -> QuerySet[Video]:
    """Fetch what a video's page or API item shows in a fixed number of queries."""
    return videos.select_related("owner").prefetch_related("renditions", "subtitles")


def _search(videos: QuerySet[Video], search: str) -> QuerySet[Video]:
    """Keep videos whose title or description contains ``search`` (case-insensitive)."""
    # PostgreSQL refuses NUL characters in a query; they never occur in a title anyway.
    search = search.replace("\x00", "").strip()[:SEARCH_MAX_CHARS]
    if not search:
        return videos
    return videos.filter(Q(title__icontains=search) | Q(description__icontains=search))


def _newest_first(videos: QuerySet[Video]) -> QuerySet[Video]:
    # The id breaks ties between videos created in the same microsecond, so pages are stable.
    return videos.order_by("-created", "-id")


def public_videos(*, search: str = "") -> QuerySet[Video]:
    """Return the public catalog: public ready videos, newest first."""
    videos = Video.objects.filter(visibility=Video.Visibility.PUBLIC, status=Video.Status.READY)
    videos = videos.exclude(kind=Video.Kind.TRACK)  # music has its own library (/music/)
    return _newest_first(_with_details(_search(videos, search)))


def video_list(*, user: Viewer, search: str = "") -> QuerySet[Video]:
    """Return public ready videos plus the viewer's own in any state, newest first."""
    listed = Q(visibility=Video.Visibility.PUBLIC, status=Video.Status.READY)
    if user.is_authenticated:
        listed |= Q(owner_id=user.pk)
    videos = Video.objects.filter(listed).exclude(kind=Video.Kind.TRACK)  # see /api/tracks/
    return _newest_first(_with_details(_search(videos, search)))


def visible_videos(*, user: Viewer) -> QuerySet[Video]:
    """Return every video the viewer may open by id (public, unlisted, and their own)."""
    visible = ~Q(visibility=Video.Visibility.PRIVATE)
    if user.is_authenticated:
        visible |= Q(owner_id=user.pk)
    return _newest_first(_with_details(Video.objects.filter(visible)))


def video_get_visible(*, user: Viewer, video_id: str) -> Video | None:
    """Return the video with this id if the viewer may see it, else ``None``."""
    if not looks_like_id(video_id):
        return None
    return visible_videos(user=user).filter(pk=video_id).first()


def owned_videos(*, user: User) -> QuerySet[Video]:
    """Return the user's own uploads in any state, newest first."""
    return _newest_first(_with_details(Video.objects.filter(owner_id=user.pk)))


def video_get_owned(*, user: Viewer, video_id: str) -> Video | None:
    """Return the viewer's own video with this id, else ``None``."""
    if not user.is_authenticated or not looks_like_id(video_id):
        return None
    return owned_videos(user=user).filter(pk=video_id).first()


class MediaAccess(NamedTuple):
    visibility: str
    owner_id: int


def video_media_access(*, video_id: str) -> MediaAccess | None:
    """Return who may fetch a video's files, in one primary-key query (hot path: segments)."""
    if not looks_like_id(video_id):
        return None
    row = Video.objects.filter(pk=video_id).order_by().values_list("visibility", "owner_id").first()
    return MediaAccess(*row) if row else None


def subtitle_get(*, video: Video, language: str) -> Subtitle | None:
    """Return the video's subtitle track in ``language`` (case-insensitive), if any."""
    return Subtitle.objects.filter(video=video, language__iexact=language).first()


def storage_used(*, user: User) -> int:
    """Return the bytes the user's videos hold: their sources and their renditions."""
    sources = Video.objects.filter(owner_id=user.pk).aggregate(total=Sum("source_size"))
    renditions = Rendition.objects.filter(video__owner_id=user.pk).aggregate(total=Sum("bytes"))
    return int(sources["total"] or 0) + int(renditions["total"] or 0)


def queued_minutes(*, user: User) -> float:
    """Return the minutes of the user's video queued or being transcoded."""
    estimate = Cast("source_size", FloatField()) * 8 / ESTIMATE_BITS_PER_SECOND
    seconds = Coalesce("duration", estimate, output_field=FloatField())
    waiting = Video.objects.filter(
        owner_id=user.pk, status__in=[Video.Status.QUEUED, Video.Status.PROCESSING]
    )
    return float(waiting.aggregate(total=Sum(seconds))["total"] or 0) / 60
