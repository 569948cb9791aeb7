"""The real queue: uploads through the API, run by django-q2's cluster (scripts/worker.py).

No ``async_task`` is patched here: the upload's task goes into the ORM broker of the test
database (SQLite file, or PostgreSQL under scripts/with-postgres.sh) and a real cluster,
started as the Procfile starts it, takes it from there.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule, Task
from rest_framework.test import APIClient

from catalog.models import TranscodeJob, Video
from catalog.tests.processes import (
    StartWorker,
    alive,
    command_line,
    descendants,
    realtime_ffmpeg,
    wait_for,
)
from catalog.transcoding import recovery

FINISHED = (Video.Status.READY, Video.Status.FAILED)

pytestmark = [
    pytest.mark.media,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl"),
]


def upload(client: APIClient, path: Path) -> str:
    with path.open("rb") as file:
        response = client.post("/api/videos/", {"title": "Real queue", "file": file})
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))


def wait_until_finished(video_id: str, tmp_path: Path, timeout: float = 240) -> Video:
    wait_for(
        lambda: Video.objects.get(pk=video_id).status in FINISHED,
        timeout,
        f"the video to be processed; worker output:\n{logs(tmp_path)}",
    )
    return Video.objects.get(pk=video_id)


def only_the_published_output_is_left(video: Video) -> bool:
    hls = Path(settings.MEDIA_ROOT) / f"videos/{video.pk}/hls"
    work = Path(settings.TRANSCODE_WORK_DIR)
    published = [p.name for p in hls.iterdir()] == [video.output_prefix.rsplit("/", 1)[1]]
    return published and (not work.exists() or not any(work.iterdir()))


def test_an_upload_becomes_ready_through_the_orm_broker(
    start_worker: StartWorker, alice_api: APIClient, clip: Path, tmp_path: Path
) -> None:
    start_worker()
    video_id = upload(alice_api, clip)
    video = wait_until_finished(video_id, tmp_path)
    assert video.status == Video.Status.READY, video.error
    body = alice_api.get(f"/api/videos/{video_id}/").json()
    assert (body["status"], body["progress"], body["error"]) == ("ready", 100, None)
    assert sorted(r["height"] for r in body["renditions"]) == [240, 360]
    assert body["hls_url"] and body["poster_url"]
    # The cluster ran it and recorded it (its monitor saves the result just after).
    job = video.jobs.get()
    wait_for(
        lambda: Task.objects.filter(func=recovery.TASK, args=(job.pk,), success=True).exists(),
        30,
        "django-q2 to record the task",
    )
    wait_for(lambda: only_the_published_output_is_left(video), 30, "the attempt to tidy up")


def test_a_worker_killed_mid_transcode_is_restarted_and_the_video_ends_ready_once(
    start_worker: StartWorker,
    alice_api: APIClient,
    clip_factory: Callable[..., Path],
    tmp_path: Path,
) -> None:
    # A lease far longer than the test, and no sweeper: only the starting worker can take over.
    lease = {"TRANSCODE_LEASE_SECONDS": "600"}
    Schedule.objects.all().delete()
    # The first worker's ladder reads the 10 s clip at its real rate: still running when killed.
    first = start_worker(IMAGEIO_FFMPEG_EXE=str(realtime_ffmpeg(tmp_path)), **lease)
    video_id = upload(alice_api, clip_factory("clip-10s.mp4", seconds=10))

    def encoding() -> bool:
        job = TranscodeJob.objects.get(video_id=video_id)
        return job.status == TranscodeJob.Status.RUNNING and job.progress > 0

    wait_for(lambda: encoding() or first.poll() is not None, 240, "the transcode to start")
    assert first.poll() is None, logs(tmp_path)
    tree = descendants(first.pid)
    assert any("ffmpeg" in command_line(pid) for pid in tree), "ffmpeg should be running"
    first.kill()  # SIGKILL, as the OOM killer would: no cleanup code runs
    first.wait()
    wait_for(lambda: not any(alive(pid) for pid in tree), 30, "the cluster to die with it")

    job = TranscodeJob.objects.get(video_id=video_id)
    assert (job.status, job.attempt) == (TranscodeJob.Status.RUNNING, 1)
    assert job.lease_expires_at is not None
    lease_end = job.lease_expires_at

    start_worker(**lease)  # restarted (plain ffmpeg this time)
    video = wait_until_finished(video_id, tmp_path)
    assert video.status == Video.Status.READY, video.error
    assert timezone.now() < lease_end  # taken back at start, not after the lease ran out
    job.refresh_from_db()
    assert (job.status, job.attempt) == (TranscodeJob.Status.DONE, 2)
    assert video.jobs.count() == 1
    renditions = list(video.renditions.all())
    assert sorted(r.height or 0 for r in renditions) == [240, 360]  # one set, not two
    assert all(r.playlist_path.startswith(f"{video.output_prefix}/") for r in renditions)
    wait_for(lambda: only_the_published_output_is_left(video), 30, "the leftovers to go")
