"""A music track from upload to ready: audio ladder, tags, loudness, tempo, artwork."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import m3u8
import numpy as np
import pytest
from django.conf import settings

from accounts.models import User
from catalog.models import Track, Video
from catalog.music.synth import wav_bytes
from catalog.tests.conftest import create_video, run_transcode
from catalog.tests.music_helpers import create_track, make_song
from catalog.tests.test_transcode import play

pytestmark = pytest.mark.django_db


def stored(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def test_song_becomes_a_ready_track_with_two_renditions_tags_and_tempo(
    user: User, clip_dir: Path
) -> None:
    song = make_song(
        clip_dir / "loop128.mp3", 128, title="Night Run", artist="The Testers", album="Loops"
    )
    video = run_transcode(create_track(user, song, name="whatever.bin", artist="Given"))
    assert video.status == Video.Status.READY, video.error
    track = video.track
    assert video.title == "Night Run"  # from the tag: the form left it empty
    assert track.artist == "Given"  # the form's value wins over the tag
    assert track.album == "Loops"
    assert track.bpm is not None and abs(track.bpm - 128) <= 2, track.bpm_note
    assert track.bpm_confidence is not None and track.bpm_confidence > 0.8
    assert track.loudness is not None and -40 < track.loudness < 0
    master = m3u8.load(str(stored(video.hls_path)))
    assert master.is_variant
    bandwidths = sorted(p.stream_info.bandwidth for p in master.playlists)
    # AAC at 160 and 64 kb/s (a sparse drum loop needs less than either asks for)
    assert len(bandwidths) == 2 and bandwidths[0] <= 80_000 and bandwidths[1] > 1.3 * bandwidths[0]
    assert all(p.stream_info.codecs == "mp4a.40.2" for p in master.playlists)
    assert abs(play(stored(video.hls_path)) - 12) < 0.5
    assert stored(video.poster_path).stat().st_size > 0  # the generated waveform


def test_silence_is_ready_without_a_tempo(user: User, clip_dir: Path) -> None:
    silent = clip_dir / "silence.wav"
    silent.write_bytes(wav_bytes(np.zeros(8 * 22050, dtype=np.float32)))
    video = run_transcode(create_track(user, silent, title="Quiet"))
    assert video.status == Video.Status.READY, video.error
    assert video.track.bpm is None and "silent" in video.track.bpm_note


def test_a_video_uploaded_as_a_track_fails_with_a_clear_message(user: User, clip: Path) -> None:
    video = run_transcode(create_track(user, clip, title="Not music"))
    assert video.status == Video.Status.FAILED
    assert "upload it as a video" in (video.error or "")


def test_audio_uploaded_as_a_video_stays_an_audio_only_video(
    user: User, media_file: Callable[[str], Path]
) -> None:
    video = create_video(user, media_file("sine.m4a"))
    assert video.kind == Video.Kind.UPLOAD and not Track.objects.filter(video=video).exists()
