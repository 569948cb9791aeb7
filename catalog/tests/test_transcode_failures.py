"""Failure is a state: bad inputs and a dying ffmpeg end as ``failed`` with a readable message."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import create_video, run_transcode
from catalog.tests.processes import on_first_progress, realtime_ffmpeg, record_ffmpegs
from catalog.transcoding.backends import ffmpeg as ffmpeg_backend

pytestmark = [pytest.mark.media, pytest.mark.django_db]

Files = Callable[[str], Path]


def failed(user: User, path: Path) -> Video:
    """Transcode ``path`` and check that it failed cleanly; return the video."""
    video = run_transcode(create_video(user, path))
    assert video.status == Video.Status.FAILED
    assert video.error and video.error.endswith(".") and "Traceback" not in video.error
    assert video.progress == 0 and not video.renditions.exists() and video.hls_path == ""
    job = video.jobs.get()
    assert (job.status, job.error, job.lease_expires_at) == (
        TranscodeJob.Status.FAILED, video.error, None,
    )  # fmt: skip
    hls = Path(settings.MEDIA_ROOT) / f"videos/{video.pk}/hls"
    assert not hls.exists() or not any(hls.rglob("*")), list(hls.rglob("*"))
    work = Path(settings.TRANSCODE_WORK_DIR)
    assert not work.exists() or not any(work.iterdir())
    return video


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("text.mp4", "This file is not a video or audio file that can be played."),
        ("zero.mp4", "The file is empty (0 bytes)."),
        ("cut-moov.mp4", "The file looks like an MP4 video but is incomplete or damaged"),
        ("cut-faststart.mp4", "The file is incomplete: it ends before its stated length"),
        ("avs2.ts", "The video is encoded in a format (codec) that is not supported."),
        ("picture.png", "This file is a picture, not a video."),
    ],
)
def test_bad_inputs(user: User, media_file: Files, name: str, message: str) -> None:
    assert failed(user, media_file(name)).error.startswith(message)  # type: ignore[union-attr]


def test_longer_than_allowed(user: User, clip: Path, settings) -> None:
    settings.MEDIA_MAX_DURATION_SECONDS = 1
    assert failed(user, clip).error == "The file is 2 s long; the longest allowed is 1 s."


def test_frame_larger_than_allowed(user: User, clip: Path, settings) -> None:
    settings.MEDIA_MAX_DIMENSION = 320
    error = failed(user, clip).error
    assert error == (
        "The picture is 640×360 pixels; the largest allowed is 320 pixels on each side."
    )


def fake_ffmpeg(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "ffmpeg"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    monkeypatch.setattr(ffmpeg_backend, "ffmpeg_exe", lambda: str(script))


def test_ffmpeg_killed_mid_transcode(
    user: User, clip_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real ffmpeg, SIGKILLed (as the OOM killer would) once it has reported progress. Its
    # ladder reads the clip at the real rate, so no machine is fast enough to finish first.
    source = clip_factory("clip-8s.mp4", seconds=8)
    realtime = realtime_ffmpeg(tmp_path)
    monkeypatch.setattr(ffmpeg_backend, "ffmpeg_exe", lambda: str(realtime))
    ffmpegs = record_ffmpegs(monkeypatch)
    killed: list[int | None] = []

    def kill(_beat: object) -> None:
        [ffmpeg] = ffmpegs
        assert ffmpeg.poll() is None, "ffmpeg should still be encoding"
        ffmpeg.kill()  # this very process: not reaped yet, so its pid cannot have been reused
        killed.append(ffmpeg.wait())

    on_first_progress(monkeypatch, kill)
    video = failed(user, source)
    assert killed == [-signal.SIGKILL]
    assert video.error == ffmpeg_backend.KILLED


def test_ffmpeg_error_keeps_its_log_for_operators(
    user: User, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ffmpeg_backend.ladder_command

    def broken(**kwargs: object) -> list[str]:
        cmd = real(**kwargs)  # type: ignore[arg-type]
        return [*cmd[:-1], "-no_such_option", "1", cmd[-1]]

    monkeypatch.setattr(ffmpeg_backend, "ladder_command", broken)
    video = failed(user, clip)
    assert video.error == ffmpeg_backend.FAILED
    assert "no_such_option" in video.jobs.get().log_tail


def test_ffmpeg_that_writes_nothing(
    user: User, clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_ffmpeg(tmp_path, "echo 'progress=end'\nexit 0", monkeypatch)
    assert failed(user, clip).error == ffmpeg_backend.MISSING


def test_a_bug_is_reported_without_its_traceback(
    user: User, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ffmpeg_backend.FFmpegTranscoder, "transcode", explode)
    video = failed(user, clip)
    assert video.error == "Processing failed because of an internal error. Please try again later."
    assert "disk on fire" in video.jobs.get().log_tail


def test_a_failed_video_can_be_retried(user: User, clip: Path, monkeypatch) -> None:
    from catalog import services

    monkeypatch.setattr(ffmpeg_backend, "ffmpeg_exe", lambda: "/bin/false")
    video = failed(user, clip)
    monkeypatch.undo()
    monkeypatch.setattr(services, "async_task", lambda *a, **k: None)
    services.video_retry(video=video)
    video = run_transcode(video)
    assert video.status == Video.Status.READY and video.error is None
    assert video.renditions.count() == 2
