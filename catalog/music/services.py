"""Writes of the music side: a track is uploaded, edited and made ready through here."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from catalog.models import Track, Video
from catalog.services import upload_create

if TYPE_CHECKING:
    from catalog.music.analysis import MusicFacts

TITLE_MAX = 200
TRACK_FIELDS = ("artist", "album")
VIDEO_FIELDS = ("title", "visibility")
UNTITLED = "Untitled track"


def title_from_name(name: str | None) -> str:
    """Make a title of an uploaded file's name (shown only until a title tag replaces it)."""
    stem = PurePath(name or "").stem.replace("_", " ").replace("\x00", "")
    return " ".join(stem.split())[:TITLE_MAX] or UNTITLED


def track_create(
    *,
    owner: User,
    file: UploadedFile,
    title: str = "",
    artist: str = "",
    album: str = "",
    visibility: str = Video.Visibility.PUBLIC,
) -> Video:
    """Store an audio upload as a music track and queue its processing.

    Empty title, artist or album are filled from the file's tags when it is processed.
    """
    title = title.strip()
    video = Video(
        owner=owner,
        kind=Video.Kind.TRACK,
        title=title or title_from_name(file.name),
        visibility=visibility,
    )

    def add_track(saved: Video) -> None:
        Track.objects.create(
            video=saved, artist=artist.strip(), album=album.strip(), title_from_file=not title
        )

    return upload_create(owner=owner, video=video, file=file, with_video=add_track)


def track_update(*, video: Video, data: dict[str, Any]) -> Video:
    """Change a track's title, artist, album or visibility."""
    video_changed = [name for name in VIDEO_FIELDS if name in data]
    track_changed = [name for name in TRACK_FIELDS if name in data]
    track = video.track
    for name in video_changed:
        setattr(video, name, data[name])
    for name in track_changed:
        setattr(track, name, data[name])
    if "title" in data:
        track.title_from_file = False
        track_changed.append("title_from_file")
    with transaction.atomic():
        if video_changed:
            video.save(update_fields=[*video_changed, "updated"])
        if track_changed:
            track.save(update_fields=track_changed)
    return video


def track_apply_analysis(*, video: Video, facts: MusicFacts) -> None:
    """Record what the worker measured, inside the transaction that publishes the track.

    Tags fill only what the uploader left empty.
    """
    track, _ = Track.objects.select_for_update().get_or_create(video=video)
    title = facts.tags.get("title")
    if title and track.title_from_file:
        video.title = title[:TITLE_MAX]
        video.save(update_fields=["title", "updated"])
        track.title_from_file = False
    for name in TRACK_FIELDS:
        if not getattr(track, name) and facts.tags.get(name):
            setattr(track, name, facts.tags[name])
    track.loudness = facts.loudness
    track.bpm = facts.tempo.bpm
    track.bpm_confidence = facts.tempo.confidence if facts.tempo.bpm is not None else None
    track.bpm_note = "" if facts.tempo.bpm is not None else facts.tempo.note[:300]
    track.save()
