"""Sparse video: the work follows the frames a file holds, not the length it states.

A few kilobytes with frames at 0 s and at 1 h, stated as 60 fps, once made ffmpeg's ``fps``
filter encode 216 000 copies of the same picture per rung. The job here runs under a CPU
limit that the real content fits in many times over and the filling would blow through.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest
from django.conf import settings

from accounts.models import User
from catalog.models import Video
from catalog.tests.conftest import create_video, run_transcode
from catalog.transcoding.ladder import STILL_FPS
from catalog.transcoding.probe import probe
from conftest import FFMPEG

pytestmark = [pytest.mark.media, pytest.mark.django_db]

HOUR = 3600


def two_frames(path: Path, gap: float, *, audio: bool = False) -> Path:
    """Write a 60 fps stream with a frame at 0 s and one at ``gap`` s (plus a tone if asked)."""
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=60"]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={gap}", "-c:a", "aac"]
    cmd += ["-frames:v", "2", "-vf", f"setpts='if(eq(N,0),0,{gap}/TB)'", "-fps_mode", "passthrough"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True, timeout=120)
    return path


def frames_in(video: Video) -> int:
    """Count the video frames of the video's (single) rendition."""
    (rendition,) = video.renditions.all()
    with av.open(str(Path(settings.MEDIA_ROOT) / rendition.playlist_path)) as container:
        return sum(1 for p in container.demux(container.streams.video[0]) if p.size)


@pytest.fixture
def tight_cpu(settings) -> None:
    """Give every ffmpeg run 10 s of CPU time whatever the duration: filling an hour needs 60."""
    settings.TRANSCODE_CPU_SECONDS = 10
    settings.TRANSCODE_CPU_PER_SECOND = 0


def test_the_probe_counts_the_frames_a_file_really_holds(tmp_path: Path) -> None:
    info = probe(two_frames(tmp_path / "sparse.mkv", HOUR))
    assert tmp_path.joinpath("sparse.mkv").stat().st_size < 50_000
    assert (info.fps, info.video_frames) == (60.0, 2)
    assert info.duration == pytest.approx(HOUR, abs=1)


def test_two_frames_an_hour_apart_cost_little_and_play_for_the_hour(
    user: User, tmp_path: Path, tight_cpu: None
) -> None:
    video = run_transcode(create_video(user, two_frames(tmp_path / "sparse.mkv", HOUR)))
    assert video.status == Video.Status.READY, video.error
    assert video.duration == pytest.approx(HOUR, abs=1)
    assert 2 <= frames_in(video) <= HOUR * STILL_FPS + 2


def test_a_still_picture_over_sound_becomes_a_low_rate_video(user: User, tmp_path: Path) -> None:
    """A podcast "video" (one picture, then sound) is a real use: kept, at a low frame rate."""
    source = two_frames(tmp_path / "podcast.mkv", 30, audio=True)
    video = run_transcode(create_video(user, source))
    assert video.status == Video.Status.READY, video.error
    assert video.duration == pytest.approx(30, abs=1)
    assert 2 <= frames_in(video) <= 30 * STILL_FPS + 2  # not 30 s × 60 fps = 1 800
    assert video.poster_path
