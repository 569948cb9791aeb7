"""Writes of the music side: what the uploader gave wins over tags; edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.models import User
from catalog.models import Track, TranscodeJob, Video
from catalog.music.analysis import MusicFacts
from catalog.music.services import (
    UNTITLED,
    title_from_name,
    track_apply_analysis,
    track_update,
)
from catalog.music.tempo import Tempo
from catalog.tests.music_helpers import create_track

pytestmark = pytest.mark.django_db

TAGS = {"title": "Tag Title", "artist": "Tag Artist", "album": "Tag Album"}


def upload(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\x00" * 64)
    return path


def test_tags_fill_only_what_the_uploader_left_empty(user: User, tmp_path: Path) -> None:
    video = create_track(user, upload(tmp_path, "a.mp3"), title="Mine", album="My album")
    track_apply_analysis(video=video, facts=MusicFacts(TAGS, -9.5, Tempo(128.0, 0.9)))
    video.refresh_from_db()
    track = Track.objects.get(video=video)
    assert (video.title, track.artist, track.album) == ("Mine", "Tag Artist", "My album")
    assert (track.bpm, track.bpm_confidence, track.bpm_note, track.loudness) == (
        128.0, 0.9, "", -9.5,
    )  # fmt: skip


def test_a_title_from_the_file_name_gives_way_to_the_tag(user: User, tmp_path: Path) -> None:
    video = create_track(user, upload(tmp_path, "01_-_night  run.flac"))
    assert video.title == "01 - night run" and video.track.title_from_file
    track_apply_analysis(video=video, facts=MusicFacts({}, None, Tempo(None, None, "Silent.")))
    video.refresh_from_db()
    assert video.title == "01 - night run"  # no tag: the name stays
    assert (video.track.bpm, video.track.bpm_note) == (None, "Silent.")
    track_apply_analysis(video=video, facts=MusicFacts(TAGS, None, Tempo(None, None, "x")))
    video.refresh_from_db()
    assert video.title == "Tag Title" and not video.track.title_from_file


def test_titles_from_odd_names() -> None:
    assert title_from_name("") == UNTITLED
    assert title_from_name(".mp3") == ".mp3"  # a dot file has no extension to remove
    assert title_from_name("x" * 300 + ".mp3") == "x" * 200


def test_an_edited_title_is_never_replaced_by_tags(user: User, tmp_path: Path) -> None:
    video = create_track(user, upload(tmp_path, "song.mp3"))
    track_update(video=video, data={"title": "Edited", "artist": "Me"})
    track_apply_analysis(video=video, facts=MusicFacts(TAGS, None, Tempo(None, None, "x")))
    video.refresh_from_db()
    assert (video.title, video.track.artist) == ("Edited", "Me")


def test_a_failed_upload_leaves_no_track_row(user: User, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(Exception, match="largest upload allowed"):
        create_track(user, Path(__file__), name="big.mp3")
    assert not Video.objects.exists() and not Track.objects.exists()
    assert not TranscodeJob.objects.exists()
