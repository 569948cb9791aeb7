"""Bad music uploads end as ``failed`` with a sentence a person understands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from accounts.models import User
from catalog.models import Video
from catalog.tests.conftest import run_transcode
from catalog.tests.music_helpers import create_track, make_song

pytestmark = pytest.mark.django_db


def failed_with(video: Video) -> str:
    video = run_transcode(video)
    assert video.status == Video.Status.FAILED
    assert video.track.bpm is None
    return video.error or ""


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("text.mp4", "not a video or audio file"),
        ("zero.mp4", "empty (0 bytes)"),
        ("picture.png", "picture"),
    ],
)
def test_non_audio_fails_clearly(
    user: User, media_file: Callable[[str], Path], name: str, says: str
) -> None:
    assert says in failed_with(create_track(user, media_file(name), name="song.mp3"))


def test_a_corrupt_mp3_fails_clearly(user: User, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 64)
    message = failed_with(create_track(user, corrupt, title="Broken"))
    assert "damaged" in message or "not a video or audio file" in message


def test_an_absurdly_long_track_fails_clearly(user: User, clip_dir: Path, settings) -> None:
    settings.MEDIA_MAX_DURATION_SECONDS = 5
    song = make_song(clip_dir / "loop100.flac", 100, seconds=8)
    assert "the longest allowed is 5 s" in failed_with(create_track(user, song))


def test_cover_art_becomes_the_artwork(user: User, media_file: Callable[[str], Path]) -> None:
    video = run_transcode(create_track(user, media_file("cover.mp3"), title="Covered"))
    assert video.status == Video.Status.READY, video.error
    assert video.poster_path.endswith("poster.jpg")
    assert video.track.bpm is None and video.track.bpm_note  # 2 s of sine: no tempo, a reason
