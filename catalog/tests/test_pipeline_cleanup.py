"""Leftovers: time limits, given-up jobs, deleted videos and killed attempts leave nothing."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.core.files.storage import Storage
from django.utils import timezone
from django_q.exceptions import TimeoutException
from django_q.timeout import TimeoutHandler

from accounts.models import User
from catalog import services, storage, tasks
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import create_video
from catalog.tests.processes import on_first_progress, realtime_ffmpeg, record_ffmpegs
from catalog.transcoding import cleanup, jobs, pipeline, recovery
from catalog.transcoding.backends import ffmpeg as ffmpeg_backend

pytestmark = pytest.mark.django_db

Clips = Callable[..., Path]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def work_root(settings: Any) -> Path:
    return Path(settings.TRANSCODE_WORK_DIR)


@pytest.fixture
def ffmpegs(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[Any]]:
    return record_ffmpegs(monkeypatch)


@pytest.fixture
def slow_video(
    user: User, clip_factory: Clips, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Video:
    """A 10 s clip whose ladder is read at its real rate: still encoding 10 s after it starts."""
    realtime = realtime_ffmpeg(tmp_path)
    monkeypatch.setattr(ffmpeg_backend, "ffmpeg_exe", lambda: str(realtime))
    return create_video(user, clip_factory("clip-10s.mp4", seconds=10))


def assert_stopped_cleanly(video: Video, media_root: Path, settings: Any, message: str) -> None:
    video.refresh_from_db()
    job = video.jobs.get()
    assert (job.status, job.error, job.lease_expires_at) == (
        TranscodeJob.Status.FAILED, message, None,
    )  # fmt: skip
    assert (video.status, video.error, video.progress) == (Video.Status.FAILED, message, 0)
    assert files_under(media_root / f"videos/{video.pk}/hls") == []
    assert files_under(work_root(settings)) == []


@pytest.mark.media
def test_django_q_timeout_fails_the_job_kills_ffmpeg_and_cleans_up(
    slow_video: Video,
    media_root: Path,
    settings: Any,
    ffmpegs: list[subprocess.Popen[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # django-q2 stops a task with SIGALRM, which raises TimeoutException (a SystemExit). The
    # alarm goes off here as soon as ffmpeg is encoding, not after a guessed delay.
    job = slow_video.jobs.get()
    running: list[bool] = []

    def alarm(_beat: jobs.Heartbeat) -> None:
        running.extend(proc.poll() is None for proc in ffmpegs)
        os.kill(os.getpid(), signal.SIGALRM)

    on_first_progress(monkeypatch, alarm)
    with pytest.raises(TimeoutException), TimeoutHandler(3600):
        tasks.transcode(job.pk)
    assert running == [True], "ffmpeg should have been running when the time ran out"
    assert all(proc.returncode is not None for proc in ffmpegs)  # killed and reaped
    assert_stopped_cleanly(
        slow_video, media_root, settings, "Processing took longer than 4 hours and was stopped."
    )


@pytest.mark.media
def test_the_pipeline_stops_itself_before_django_q_has_to(
    slow_video: Video,
    media_root: Path,
    settings: Any,
    ffmpegs: list[subprocess.Popen[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.TRANSCODE_TIMEOUT_SECONDS = 2  # stops at 1.8 s, leaving 0.2 s to clean up
    # The heartbeat's clock jumps by the whole time limit once ffmpeg is encoding.
    real = time.monotonic
    offset = [0.0]
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: real() + offset[0]))
    deadlines: list[float | None] = []

    def time_runs_out(beat: jobs.Heartbeat) -> None:
        deadlines.append(beat.deadline)
        offset[0] = settings.TRANSCODE_TIMEOUT_SECONDS

    on_first_progress(monkeypatch, time_runs_out)
    start = real()
    tasks.transcode(slow_video.jobs.get().pk)  # returns: nothing left for django-q2 to do
    [deadline] = deadlines
    assert deadline is not None and deadline < start + 2  # before django-q2's own limit
    assert len(ffmpegs) == 1 and ffmpegs[0].returncode == -signal.SIGKILL
    assert_stopped_cleanly(
        slow_video, media_root, settings, "Processing took longer than 2 seconds and was stopped."
    )


def test_time_limits_are_said_plainly(settings: Any) -> None:
    for seconds, words in [(4 * 3600, "4 hours"), (3600, "1 hour"), (5400, "90 minutes")]:
        settings.TRANSCODE_TIMEOUT_SECONDS = seconds
        assert f"longer than {words} and" in pipeline.timed_out_message()
    settings.TRANSCODE_TIMEOUT_SECONDS = 61
    assert pipeline.timed_out_message() == "Processing took longer than 61 seconds and was stopped."


def test_heartbeat_raises_past_its_deadline(user: User) -> None:
    video = Video.objects.create(owner=user, title="Queued", source="videos/x/source/upload")
    held = jobs.claim(TranscodeJob.objects.create(video=video).pk)
    assert held is not None
    with pytest.raises(jobs.TimedOut):
        jobs.Heartbeat(held, deadline=0.0)(50.0)


@pytest.mark.media
@pytest.mark.django_db(transaction=True)  # video_delete's on-commit cleanup runs, as live
@pytest.mark.parametrize("step", ["transcode", "upload"])
def test_deleting_the_video_mid_transcode_leaves_nothing(
    user: User, clip: Path, media_root: Path, settings: Any, caplog, monkeypatch, step: str
) -> None:
    video = create_video(user, clip)
    job_id = video.jobs.get().pk
    deleted: list[str] = []

    def delete_once() -> None:
        if not deleted:
            services.video_delete(video=Video.objects.get(pk=video.pk))
            deleted.append(step)

    real_beat, real_save = jobs.Heartbeat.__call__, storage.save_file

    def beat(self: jobs.Heartbeat, percent: float | None = None, **kwargs: Any) -> None:
        if step == "transcode" and not kwargs.get("force"):  # called from ffmpeg's loop
            delete_once()
        real_beat(self, percent, **kwargs)

    def save(name: str, path: Path, *args: Any) -> str:
        saved = real_save(name, path, *args)
        if step == "upload":
            delete_once()  # after the first output file is stored
        return saved

    monkeypatch.setattr(jobs.Heartbeat, "__call__", beat)
    monkeypatch.setattr(storage, "save_file", save)
    tasks.transcode(job_id)  # returns quietly: a deleted video is not an error
    assert deleted == [step]
    assert not Video.objects.filter(pk=video.pk).exists()
    # Not even empty folders: on local storage they are what the late uploads recreated.
    assert not (media_root / f"videos/{video.pk}").exists()
    assert files_under(work_root(settings)) == []
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.media
def test_a_storage_error_while_tidying_up_is_logged_not_raised(
    user: User, clip: Path, settings: Any, caplog, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = create_video(user, clip)

    def unreachable(*args: Any, **kwargs: Any) -> int:
        raise OSError("storage unreachable")

    monkeypatch.setattr(storage, "delete_prefix", unreachable)
    monkeypatch.setattr(pipeline, "probe", mock.Mock(side_effect=RuntimeError("bug")))
    tasks.transcode(video.jobs.get().pk)  # the failure is recorded; the task ends normally
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.error == pipeline.UNEXPECTED
    assert "could not remove its output" in caplog.text
    assert files_under(work_root(settings)) == []


def test_a_remote_source_is_copied_into_the_given_folder(tmp_path: Path) -> None:
    remote = mock.Mock(spec=Storage)  # as on S3: files without a local path
    remote.path.side_effect = NotImplementedError
    remote.open.return_value = io.BytesIO(b"media bytes")
    work = tmp_path / "work"
    work.mkdir()
    with storage.local_copy("videos/v/source/upload", remote, dir=work) as copy:
        assert copy.read_bytes() == b"media bytes"
        assert copy.parent.parent == work
    assert list(work.iterdir()) == []


@pytest.mark.media
def test_the_pipeline_copies_the_source_into_the_attempt_folder(
    user: User, clip: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = create_video(user, clip)
    job = video.jobs.get()
    spy = mock.MagicMock(wraps=storage.local_copy)
    monkeypatch.setattr(storage, "local_copy", spy)
    tasks.transcode(job.pk)
    assert spy.call_args.kwargs["dir"] == work_root(settings) / job.pk / "1"


# --- leftovers of killed attempts -------------------------------------------------------


def attempt_folder(settings: Any, job_id: str, attempt: int) -> Path:
    """Make a work folder as a killed attempt leaves it (with a source copy in it)."""
    folder = work_root(settings) / job_id / str(attempt)
    (folder / "onair-src-x").mkdir(parents=True)
    (folder / "onair-src-x" / "source").write_bytes(b"copy")
    (folder / "ffmpeg.log").write_text("frame=1")
    return folder


def put(media_root: Path, name: str) -> Path:
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def kill_attempt(job: TranscodeJob) -> None:
    """Let the lease of the job's runner run out, as when its worker was killed."""
    TranscodeJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def queued(user: User) -> TranscodeJob:
    video = Video.objects.create(owner=user, title="Queued", source="videos/x/source/upload")
    return TranscodeJob.objects.create(video=video)


def test_giving_up_a_job_removes_its_leftovers(
    queued: TranscodeJob, media_root: Path, settings: Any
) -> None:
    settings.TRANSCODE_MAX_ATTEMPTS = 2
    vid = queued.video_id
    published = put(media_root, f"videos/{vid}/hls/0-good/master.m3u8")
    Video.objects.filter(pk=vid).update(output_prefix=f"videos/{vid}/hls/0-good")
    source = put(media_root, f"videos/{vid}/source/upload")
    for attempt in (1, 2):  # both attempts killed mid-upload
        assert jobs.claim(queued.pk) is not None
        attempt_folder(settings, queued.pk, attempt)
        put(media_root, f"videos/{vid}/hls/{attempt}-dead/seg-1.m4s")
        kill_attempt(queued)
    assert jobs.claim(queued.pk) is None  # out of attempts: failed, and tidied
    assert TranscodeJob.objects.get(pk=queued.pk).status == TranscodeJob.Status.FAILED
    assert not (work_root(settings) / queued.pk).exists()
    assert files_under(media_root / "videos") == [published, source]
    assert [p.name for p in (media_root / f"videos/{vid}/hls").iterdir()] == ["0-good"]


def test_giving_up_leaves_the_outputs_of_a_retry_alone(
    queued: TranscodeJob, media_root: Path, settings: Any
) -> None:
    settings.TRANSCODE_MAX_ATTEMPTS = 1
    assert jobs.claim(queued.pk) is not None
    attempt_folder(settings, queued.pk, 1)
    kill_attempt(queued)
    TranscodeJob.objects.create(video_id=queued.video_id, status=TranscodeJob.Status.RUNNING)
    uploading = put(media_root, f"videos/{queued.video_id}/hls/1-retry/seg-1.m4s")
    assert jobs.claim(queued.pk) is None
    assert not (work_root(settings) / queued.pk).exists()
    assert uploading.exists()


def test_sweeper_removes_orphan_work_folders_but_not_a_live_one(user: User, settings: Any) -> None:
    def job(title: str) -> TranscodeJob:
        video = Video.objects.create(owner=user, title=title, source="videos/x/source/upload")
        return TranscodeJob.objects.create(video=video)

    live, dead, done = job("live"), job("dead"), job("done")
    for each in (live, dead, done):
        assert jobs.claim(each.pk) is not None
    kill_attempt(dead)
    TranscodeJob.objects.filter(pk=done.pk).update(status=TranscodeJob.Status.DONE)
    running_now = attempt_folder(settings, live.pk, 1)
    older = attempt_folder(settings, live.pk, 0)  # a stale earlier attempt of the live job
    attempt_folder(settings, dead.pk, 1)
    attempt_folder(settings, done.pk, 1)
    attempt_folder(settings, "deletedjob", 3)
    with mock.patch.object(recovery, "async_task"):
        tasks.resume_stalled_jobs()
    assert sorted(p.name for p in work_root(settings).iterdir()) == sorted([live.pk, dead.pk])
    assert [p.name for p in (work_root(settings) / live.pk).iterdir()] == ["1"]
    assert len(files_under(running_now)) == 2 and not older.exists()
    assert list((work_root(settings) / dead.pk).iterdir()) == []  # its next attempt's home


def test_sweeper_without_a_work_folder_does_nothing(settings: Any) -> None:
    assert not work_root(settings).exists()
    assert cleanup.sweep_work() == []
