"""The job lease: claim, heartbeat, takeover, publish/fail only by the owner."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog import tasks
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import expire
from catalog.transcoding import jobs
from catalog.transcoding.backends.base import RenditionOutput, TranscodeResult
from catalog.transcoding.probe import MediaInfo

pytestmark = pytest.mark.django_db


RESULT = TranscodeResult(
    master="master.m3u8",
    renditions=[RenditionOutput("360p.m3u8", 900_000, "avc1.64001e,mp4a.40.2", 1234, 640, 360)],
    poster="poster.jpg",
    sprite="sprite.jpg",
    sprite_vtt="sprite.vtt",
)
INFO = MediaInfo(duration=2.0, has_video=True, has_audio=True, width=640, height=360, fps=30)


def test_claim_takes_a_queued_job(job: TranscodeJob, settings) -> None:
    held = jobs.claim(job.pk)
    assert held is not None and held.attempt == 1 and held.source_name.endswith("upload")
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.RUNNING and job.lease_owner == held.owner
    assert job.lease_expires_at is not None
    remaining = (job.lease_expires_at - timezone.now()).total_seconds()
    assert 0 < remaining <= settings.TRANSCODE_LEASE_SECONDS
    assert job.video.status == Video.Status.PROCESSING


def test_a_redelivered_task_leaves_a_live_lease_alone(job: TranscodeJob) -> None:
    held = jobs.claim(job.pk)
    assert held is not None
    assert jobs.claim(job.pk) is None
    job.refresh_from_db()
    assert (job.attempt, job.lease_owner) == (1, held.owner)


def test_an_expired_lease_is_taken_over(job: TranscodeJob) -> None:
    first = jobs.claim(job.pk)
    assert first is not None
    expire(job)
    second = jobs.claim(job.pk)
    assert second is not None and second.attempt == 2 and second.owner != first.owner
    # The first runner finds out at its next heartbeat and can publish nothing.
    assert jobs.renew(first, 50) is False
    assert jobs.renew(second, 50) is True
    assert jobs.publish(first, prefix="videos/x/hls/1-a", info=INFO, result=RESULT) is False
    assert jobs.fail(first, message="late") is False
    assert TranscodeJob.objects.get(pk=job.pk).status == TranscodeJob.Status.RUNNING


def test_finished_jobs_are_not_claimed(job: TranscodeJob) -> None:
    for status in (TranscodeJob.Status.DONE, TranscodeJob.Status.FAILED):
        TranscodeJob.objects.filter(pk=job.pk).update(status=status)
        assert jobs.claim(job.pk) is None
    assert jobs.claim("no-such-job") is None


def test_too_many_attempts_fail_the_video(job: TranscodeJob, settings) -> None:
    settings.TRANSCODE_MAX_ATTEMPTS = 2
    for _ in range(2):
        assert jobs.claim(job.pk) is not None
        expire(job)
    assert jobs.claim(job.pk) is None
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.FAILED and job.attempt == 2
    assert job.video.status == Video.Status.FAILED
    assert job.video.error == jobs.TOO_MANY_ATTEMPTS


def test_heartbeat_extends_the_lease_and_writes_progress(job: TranscodeJob) -> None:
    held = jobs.claim(job.pk)
    assert held is not None
    expire(job, seconds=-1)  # one second left
    beat = jobs.Heartbeat(held)
    beat(42.0)
    job.refresh_from_db()
    assert job.progress == 42.0 and job.video.progress == 42.0
    assert job.lease_expires_at is not None
    assert (job.lease_expires_at - timezone.now()).total_seconds() > 2


def test_a_long_step_can_hold_the_lease_longer(job: TranscodeJob) -> None:
    held = jobs.claim(job.pk)
    assert held is not None
    assert jobs.renew(held, seconds=600)
    job.refresh_from_db()
    assert job.lease_expires_at is not None
    assert (job.lease_expires_at - timezone.now()).total_seconds() > 590
    assert jobs.claim(job.pk) is None


def test_heartbeat_writes_at_most_once_a_second(job: TranscodeJob, django_assert_num_queries):
    held = jobs.claim(job.pk)
    assert held is not None
    beat = jobs.Heartbeat(held, interval=60)
    beat(10.0)
    with django_assert_num_queries(0):
        for percent in range(11, 60):
            beat(float(percent))
    assert beat.percent == 59.0


def test_heartbeat_raises_once_the_lease_is_lost(job: TranscodeJob) -> None:
    held = jobs.claim(job.pk)
    assert held is not None
    expire(job)
    assert jobs.claim(job.pk) is not None
    with pytest.raises(jobs.LeaseLost):
        jobs.Heartbeat(held)(60.0)


def test_heartbeat_stops_when_the_video_is_deleted(job: TranscodeJob) -> None:
    held = jobs.claim(job.pk)
    assert held is not None
    Video.objects.filter(pk=held.video_id).delete()
    with pytest.raises(jobs.LeaseLost):
        jobs.Heartbeat(held)(5.0)


def test_publish_points_the_video_at_the_output(job: TranscodeJob) -> None:
    held = jobs.claim(job.pk)
    assert held is not None
    prefix = f"videos/{held.video_id}/hls/1-abc"
    assert jobs.publish(held, prefix=prefix, info=INFO, result=RESULT)
    video = Video.objects.get(pk=held.video_id)
    assert video.status == Video.Status.READY and video.progress == 100 and video.error is None
    assert video.hls_path == f"{prefix}/master.m3u8"
    assert video.poster_path == f"{prefix}/poster.jpg"
    assert video.sprite_vtt_path == f"{prefix}/sprite.vtt"
    assert (video.width, video.height, video.duration, video.audio_only) == (640, 360, 2.0, False)
    [rendition] = video.renditions.all()
    assert (rendition.width, rendition.height, rendition.bitrate) == (640, 360, 900_000)
    assert rendition.playlist_path == f"{prefix}/360p.m3u8"
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.DONE and job.lease_expires_at is None


def test_fail_records_the_message_and_log(job: TranscodeJob) -> None:
    held = jobs.claim(job.pk)
    assert held is not None
    assert jobs.fail(held, message="The file is empty (0 bytes).", log_tail="x" * 20000)
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.FAILED and len(job.log_tail) == jobs.LOG_TAIL_CHARS
    assert job.video.status == Video.Status.FAILED
    assert job.video.error == "The file is empty (0 bytes)."


def test_task_on_a_finished_or_missing_job_does_nothing(job: TranscodeJob) -> None:
    TranscodeJob.objects.filter(pk=job.pk).update(status=TranscodeJob.Status.DONE)
    tasks.transcode(job.pk)
    tasks.transcode("missing")
    assert TranscodeJob.objects.get(pk=job.pk).attempt == 0
