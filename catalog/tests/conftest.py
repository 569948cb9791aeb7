"""Catalog fixtures: videos created through the service and transcoded synchronously."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from catalog import services, tasks
from catalog.models import TranscodeJob, Video

# A fixture defined with the process helpers: start scripts/worker.py on the test database.
from catalog.tests.processes import start_worker  # noqa: F401
from conftest import FFMPEG


@pytest.fixture(autouse=True)
def fast_transcode(settings) -> None:
    """Encode with x264's fastest preset: tests check the pipeline, not the picture."""
    settings.TRANSCODE_PRESET = "ultrafast"


def upload_file(path: Path, name: str | None = None) -> SimpleUploadedFile:
    """Wrap a file on disk as an upload (test clips are small)."""
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def create_video(owner: User, path: Path, title: str = "Test clip", **fields: str) -> Video:
    """Create a video through the service without queueing its task (tests run it)."""
    with mock.patch.object(services, "async_task"):
        return services.video_create(owner=owner, title=title, file=upload_file(path), **fields)


def run_transcode(video: Video) -> Video:
    """Run the video's newest queued transcode job here and now; return the fresh video."""
    job = video.jobs.filter(status=TranscodeJob.Status.QUEUED).order_by("-created").first()
    assert job is not None, f"video {video.pk} has no queued transcode job"
    tasks.transcode(job.pk)
    video.refresh_from_db()
    return video


@pytest.fixture(name="run_transcode")
def run_transcode_fixture() -> Callable[[Video], Video]:
    """The ``run_transcode(video)`` helper as a fixture."""
    return run_transcode


@pytest.fixture
def make_video(user: User) -> Callable[..., Video]:
    """``make_video(path, owner=..., title=...)``: a queued video from a file on disk."""

    def make(
        path: Path, *, owner: User | None = None, title: str = "Test clip", **fields: str
    ) -> Video:
        return create_video(owner or user, path, title, **fields)

    return make


@pytest.fixture
def job(user: User) -> TranscodeJob:
    """A queued transcode job of a video whose source is never read."""
    video = Video.objects.create(owner=user, title="Queued", source="videos/x/source/upload")
    return TranscodeJob.objects.create(video=video)


def expire(job: TranscodeJob, seconds: float = 1) -> None:
    """Make the job's lease run out ``seconds`` ago."""
    TranscodeJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.fixture
def ready_video(user: User, clip: Path) -> Video:
    """The standard 2 s 640x360 clip, transcoded: ready, 360 + 240 renditions, no subtitles."""
    video = run_transcode(create_video(user, clip))
    assert video.status == Video.Status.READY, video.error
    return video


def _ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True, timeout=60)


def _cut(source: Path, target: Path, fraction: float) -> None:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])


def _build(name: str, path: Path, clips: Callable[..., Path]) -> None:
    """Make one of the unusual files the pipeline must handle (see ``media_file``)."""
    lavfi = ["-f", "lavfi", "-i"]
    if name == "zero.mp4":
        path.write_bytes(b"")
    elif name == "text.mp4":
        path.write_text("This is a shopping list, not a video.\n" * 50)
    elif name == "cut-moov.mp4":  # the index (moov) is at the end and never arrived
        _cut(clips("clip-4s.mp4", seconds=4), path, 0.5)
    elif name == "cut-faststart.mp4":  # the index is complete, the media data is not
        _cut(clips("clip-4s-faststart.mp4", "-movflags", "+faststart", seconds=4), path, 0.5)
    elif name == "avs2.ts":  # AVS2: ffmpeg here encodes it, PyAV has no decoder for it
        _ffmpeg(
            *lavfi, "testsrc2=s=160x96:d=0.5:r=10", "-c:v", "libxavs2", "-f", "mpegts", str(path)
        )
    elif name == "rotated.mp4":  # a landscape recording with 90° rotation metadata
        _ffmpeg("-display_rotation", "90", "-i", str(clips("clip.mp4")), "-c", "copy", str(path))
    elif name == "subtitles-only.mkv":
        srt = path.with_suffix(".srt")
        srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
        _ffmpeg("-i", str(srt), "-c:s", "srt", str(path))
    elif name == "picture.png":
        _ffmpeg(*lavfi, "testsrc2=s=64x64", "-frames:v", "1", "-update", "1", str(path))
    elif name == "sine.m4a":
        _ffmpeg(*lavfi, "sine=frequency=440:duration=2", "-c:a", "aac", "-b:a", "64k", str(path))
    elif name == "cover.mp3":  # a song with embedded cover art (an attached picture)
        art = path.with_suffix(".jpg")
        _ffmpeg(*lavfi, "testsrc2=s=300x300", "-frames:v", "1", "-update", "1", str(art))
        song = path.with_name("song.mp3")
        _ffmpeg(*lavfi, "sine=frequency=330:duration=2", "-c:a", "libmp3lame", str(song))
        _ffmpeg("-i", str(song), "-i", str(art), "-map", "0:a", "-map", "1:v", "-c", "copy",
                "-disposition:v", "attached_pic", str(path))  # fmt: skip
    else:
        raise KeyError(name)


@pytest.fixture
def media_file(clip_dir: Path, clip_factory: Callable[..., Path]) -> Callable[[str], Path]:
    """``media_file(name)``: an unusual input, made once per session (names in ``_build``)."""

    def make(name: str) -> Path:
        path = clip_dir / name
        if not path.exists():
            _build(name, path, clip_factory)
        return path

    return make
