"""Crash safety: a worker SIGKILLed mid-transcode leaves no ffmpeg behind; the job finishes once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from catalog import tasks
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import create_video

pytestmark = [
    pytest.mark.media,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl"),
]

WORKER = (
    "import sys, django; django.setup(); from catalog import tasks; tasks.transcode(sys.argv[1])"
)


def database_url() -> str:
    """Point the worker at the test database (SQLite file or PostgreSQL)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(job_id: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TRANSCODE_WORK_DIR": str(settings.TRANSCODE_WORK_DIR),
        "TRANSCODE_PRESET": "veryslow",  # slow enough to be caught mid-transcode
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, job_id],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stat_fields(pid: int) -> list[str]:
    """Return the fields after the command name in /proc/PID/stat (state, ppid, ...)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if len(fields) > 1 and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    fields = stat_fields(pid)
    return bool(fields) and fields[0] != "Z"  # a zombie is dead, only not yet reaped


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_worker_killed_mid_transcode_is_taken_over_once(
    user: User, clip_factory: Callable[..., Path], tmp_path: Path
) -> None:
    video = create_video(user, clip_factory("clip-10s.mp4", seconds=10))
    job = video.jobs.get()
    log = tmp_path / "worker.log"
    worker = start_worker(job.pk, log)
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
    assert (job.status, job.attempt) == (TranscodeJob.Status.RUNNING, 1)
    assert job.lease_expires_at and job.lease_expires_at > timezone.now(), "lease ran out early"
    owner = job.lease_owner
    tasks.transcode(job.pk)  # redelivered while the lease is alive: leaves at once
    job.refresh_from_db()
    assert (job.status, job.attempt, job.lease_owner) == (TranscodeJob.Status.RUNNING, 1, owner)
    assert Video.objects.get(pk=video.pk).status == Video.Status.PROCESSING

    expires = job.lease_expires_at
    wait_for(lambda: timezone.now() > expires, 10, "the lease to expire")
    tasks.transcode(job.pk)  # the takeover (ultrafast here: see conftest)
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
