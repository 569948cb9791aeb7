"""Crash safety: a worker SIGKILLed mid-transcode leaves no ffmpeg behind; the job finishes once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from catalog import tasks
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import create_video
from catalog.tests.processes import alive, children, realtime_ffmpeg, wait_for, worker_env
from catalog.transcoding import recovery

pytestmark = [
    pytest.mark.media,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl"),
]

WORKER = (
    "import sys, django; django.setup(); from catalog import tasks; tasks.transcode(sys.argv[1])"
)


def start_worker(job_id: str, log: Path, folder: Path) -> subprocess.Popen[bytes]:
    # The ladder is read at its real rate, so the 10 s clip is still encoding when the worker
    # is killed, however fast the machine; a long lease shows the takeover does not wait for it.
    env = worker_env(IMAGEIO_FFMPEG_EXE=str(realtime_ffmpeg(folder)), TRANSCODE_LEASE_SECONDS="600")
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, job_id],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_worker_killed_mid_transcode_is_taken_back_once(
    user: User, clip_factory: Callable[..., Path], tmp_path: Path
) -> None:
    video = create_video(user, clip_factory("clip-10s.mp4", seconds=10))
    job = video.jobs.get()
    log = tmp_path / "worker.log"
    worker = start_worker(job.pk, log, tmp_path)
    try:
        wait_for(
            lambda: TranscodeJob.objects.get(pk=job.pk).progress > 0 or worker.poll() is not None,
            timeout=120,
            what="the worker's first progress",
        )
        assert worker.poll() is None, log.read_text()
        ffmpegs = [pid for pid in children(worker.pid) if alive(pid)]
        assert ffmpegs, "the worker should be running ffmpeg"
    finally:
        worker.kill()  # SIGKILL: no cleanup code of the worker runs
        worker.wait()
    wait_for(lambda: not any(alive(pid) for pid in ffmpegs), 5, "ffmpeg to die with its worker")

    job.refresh_from_db()
    assert (job.status, job.attempt, job.lease_pid) == (TranscodeJob.Status.RUNNING, 1, worker.pid)
    assert job.lease_expires_at and job.lease_expires_at > timezone.now(), "lease ran out early"
    owner = job.lease_owner
    tasks.transcode(job.pk)  # redelivered while the lease is alive: leaves at once
    job.refresh_from_db()
    assert (job.status, job.attempt, job.lease_owner) == (TranscodeJob.Status.RUNNING, 1, owner)
    assert Video.objects.get(pk=video.pk).status == Video.Status.PROCESSING

    # Its holder is provably gone from this machine: a starting worker takes it back now,
    # ten minutes before its lease would run out.
    with mock.patch.object(recovery, "async_task") as enqueue:
        assert recovery.reclaim_orphans() == [job.pk]
    enqueue.assert_called_once_with(recovery.TASK, job.pk, group="transcode")
    tasks.transcode(job.pk)  # the task sent for it (ultrafast here: see conftest)
    tasks.transcode(job.pk)  # a late redelivery after success changes nothing

    video.refresh_from_db()
    job.refresh_from_db()
    assert video.status == Video.Status.READY and video.progress == 100
    assert (job.status, job.attempt) == (TranscodeJob.Status.DONE, 2)
    assert video.renditions.count() == 2
    assert all(r.playlist_path.startswith(video.output_prefix) for r in video.renditions.all())
    hls = Path(settings.MEDIA_ROOT) / f"videos/{video.pk}/hls"
    assert [p.name for p in hls.iterdir()] == [video.output_prefix.rsplit("/", 1)[1]]
    work = Path(settings.TRANSCODE_WORK_DIR)
    assert not work.exists() or not any(work.iterdir()), list(work.rglob("*"))
