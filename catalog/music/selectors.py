"""Reads of the music side: the library, tempo matching and the runner's queue.

A track matches a tempo when its BPM, half its BPM or double its BPM lies within the
tolerance: a runner at 170 steps a minute runs as well to 85 BPM music (a step on every
beat and every half beat) as to 170.
"""

from __future__ import annotations

from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Abs, Least

from catalog.ids import looks_like_id
from catalog.models import Video
from catalog.selectors import SEARCH_MAX_CHARS, Viewer, visible_videos


def _tracks(videos: QuerySet[Video]) -> QuerySet[Video]:
    return videos.filter(kind=Video.Kind.TRACK).select_related("owner", "track")


def _search(tracks: QuerySet[Video], search: str) -> QuerySet[Video]:
    search = search.replace("\x00", "").strip()[:SEARCH_MAX_CHARS]
    if not search:
        return tracks
    return tracks.filter(
        Q(title__icontains=search)
        | Q(track__artist__icontains=search)
        | Q(track__album__icontains=search)
    )


def tempo_distance(bpm: float) -> Least:
    """Return how far a track's tempo, its half or its double is from ``bpm`` (SQL)."""
    target = Value(float(bpm), output_field=FloatField())
    tempo = F("track__bpm")
    return Least(
        Abs(tempo - target),
        Abs(tempo * Value(2.0) - target),
        Abs(tempo / Value(2.0) - target),
        output_field=FloatField(),
    )


def distance(track_bpm: float, bpm: float) -> float:
    """Return the same distance as ``tempo_distance``, in Python."""
    return min(abs(track_bpm - bpm), abs(track_bpm * 2 - bpm), abs(track_bpm / 2 - bpm))


def track_list(
    *, user: Viewer, search: str = "", bpm: float | None = None, tolerance: float = 0.0
) -> QuerySet[Video]:
    """Return public ready tracks plus the viewer's own, newest first or closest in tempo.

    With ``bpm``, only ready tracks matching it within ``tolerance`` (half and double time
    too), the closest first.
    """
    listed = Q(visibility=Video.Visibility.PUBLIC, status=Video.Status.READY)
    if user.is_authenticated:
        listed |= Q(owner_id=user.pk)
    tracks = _search(_tracks(Video.objects.filter(listed)), search)
    if bpm is None:
        return tracks.order_by("-created", "-id")
    return (
        tracks.filter(status=Video.Status.READY, track__bpm__isnull=False)
        .annotate(tempo_distance=tempo_distance(bpm))
        .filter(tempo_distance__lte=tolerance)
        .order_by("tempo_distance", "-created", "-id")
    )


def track_get_visible(*, user: Viewer, track_id: str) -> Video | None:
    """Return the track with this id if the viewer may see it, else ``None``."""
    if not looks_like_id(track_id):
        return None
    return _tracks(visible_videos(user=user)).filter(pk=track_id).first()


def visible_tracks(*, user: Viewer) -> QuerySet[Video]:
    """Return every track the viewer may open by id (public, unlisted and their own)."""
    return _tracks(visible_videos(user=user))


def track_next(
    *, user: Viewer, bpm: float, tolerance: float, after: str | None = None
) -> Video | None:
    """Return the track that follows ``after`` in the queue for ``bpm``, or ``None``.

    The queue is the matching list (closest tempo first, then newest). It is walked by
    position, not by id: the track after ``after`` is the first one placed behind it, so
    a walk never comes back to a track, even when ``after`` itself no longer matches (its
    place is where its tempo would put it). Ordered here in Python, on a few fields of the
    matching tracks only, so that the order is the same on every database (collations).
    """
    queue = track_list(user=user, bpm=bpm, tolerance=tolerance)
    rows = list(queue.values_list("pk", "created", "track__bpm"))

    def key(created_ts: float, pk: str, track_bpm: float) -> tuple[float, float, str]:
        return (round(distance(track_bpm, bpm), 6), -created_ts, pk)

    keys = sorted(
        (key(created.timestamp(), pk, tbpm), pk) for pk, created, tbpm in rows if tbpm is not None
    )
    if not keys:
        return None
    if after is None:
        return queue.get(pk=keys[0][1])
    last = visible_tracks(user=user).filter(pk=after).values_list("created", "track__bpm").first()
    if last is None:
        return None
    created, last_bpm = last
    if last_bpm is None:  # a track without a tempo: no place in the queue, so start it over
        return queue.get(pk=keys[0][1])
    mark = key(created.timestamp(), after, last_bpm)
    following = [pk for k, pk in keys if k > mark]
    return queue.get(pk=following[0]) if following else None
