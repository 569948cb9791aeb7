"""The transcode job's lease: claim, heartbeat, publish or fail, and resume stalled jobs.

Every write here is a short transaction with no file work inside. A job is worked on only
by the holder of its lease (``lease_owner`` until ``lease_expires_at``); a redelivered task
finds the lease alive and leaves, and one that finds it expired takes the job over.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Rendition, TranscodeJob, Video
from catalog.music.analysis import MusicFacts
from catalog.music.services import track_apply_analysis
from catalog.transcoding import cleanup, holder
from catalog.transcoding.backends.base import TranscodeResult
from catalog.transcoding.probe import MediaInfo

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0  # SQLite is shared: progress is written at most about once a second
LOG_TAIL_CHARS = 8000
PUBLISHED_FIELDS = (
    "output_prefix", "hls_path", "poster_path", "sprite_vtt_path", "duration", "width",
    "height", "audio_only", "status", "progress", "error",
)  # fmt: skip
TOO_MANY_ATTEMPTS = (
    "Processing was interrupted too many times; the file may be too long or complex to convert."
)


class LeaseLost(Exception):
    """Another runner owns the job now (or the job is gone): stop and clean up."""


class TimedOut(Exception):
    """The attempt ran past its time limit: stop, record the failure and clean up."""


@dataclass(frozen=True)
class Claim:
    """The lease a runner holds on a job for one attempt."""

    job_id: str
    video_id: str
    attempt: int
    owner: str
    source_name: str
    source_size: int = 0
    kind: str = Video.Kind.UPLOAD


def max_attempts() -> int:
    """Return the attempt limit (django-q2's ``max_attempts`` is derived from it)."""
    return int(settings.TRANSCODE_MAX_ATTEMPTS)


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.TRANSCODE_LEASE_SECONDS)


def _mark_failed(job: TranscodeJob, message: str, log_tail: str, now: datetime) -> None:
    job.status = TranscodeJob.Status.FAILED
    job.error = message
    job.log_tail = log_tail[-LOG_TAIL_CHARS:]
    job.finished_at = now
    job.lease_expires_at = None
    job.save(update_fields=["status", "error", "log_tail", "finished_at", "lease_expires_at"])
    Video.objects.filter(pk=job.video_id).update(
        status=Video.Status.FAILED, error=message, progress=0, updated=now
    )


def claim(job_id: str) -> Claim | None:
    """Take the job if it is queued or its runner's lease expired; else return None.

    A job out of attempts is failed instead, and what its killed attempts left behind
    (which no runner of it will ever remove) is cleaned up.
    """
    now = timezone.now()
    me = holder.current()  # read from /proc before the transaction, not inside it
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().select_related("video").filter(pk=job_id)
        found = job.first()
        if found is None:
            return None
        expired = found.lease_expires_at is None or found.lease_expires_at <= now
        running = found.status == TranscodeJob.Status.RUNNING
        if not (found.status == TranscodeJob.Status.QUEUED or (running and expired)):
            return None
        given_up = found.attempt >= max_attempts()
        if given_up:
            _mark_failed(found, TOO_MANY_ATTEMPTS, found.log_tail, now)
            # A retry of the video may be writing its own outputs: leave them be then.
            sweep = not _other_active_jobs(found).exists()
        else:
            _start(found, now, me)
    if given_up:
        cleanup.abandon(found.pk, found.video_id, outputs=sweep)
        return None
    video = found.video
    return Claim(
        found.pk, found.video_id, found.attempt, found.lease_owner, video.source.name,
        video.source_size, video.kind,
    )  # fmt: skip


def _other_active_jobs(job: TranscodeJob) -> QuerySet[TranscodeJob]:
    active = [TranscodeJob.Status.QUEUED, TranscodeJob.Status.RUNNING]
    return TranscodeJob.objects.filter(video_id=job.video_id, status__in=active).exclude(pk=job.pk)


def _start(job: TranscodeJob, now: datetime, me: holder.Holder | None) -> None:
    """Begin a new attempt under a new lease held by ``me`` (inside claim's transaction)."""
    job.status = TranscodeJob.Status.RUNNING
    job.attempt += 1
    job.lease_owner = uuid.uuid4().hex
    job.lease_expires_at = _lease_until(now)
    job.lease_host = me.host if me else ""
    job.lease_pid = me.pid if me else None
    job.lease_pid_started = me.started if me else None
    job.started_at = job.started_at or now
    job.progress = 0
    job.save()
    Video.objects.filter(pk=job.video_id).update(
        status=Video.Status.PROCESSING, progress=0, error=None, updated=now
    )


def renew(held: Claim, percent: float | None = None, *, seconds: float = 0) -> bool:
    """Extend the lease (and record progress); False when the lease is no longer ours.

    ``seconds`` holds the lease longer than usual, for a step that cannot beat meanwhile.
    """
    now = timezone.now()
    until = max(_lease_until(now), now + timedelta(seconds=seconds))
    fields: dict[str, object] = {"lease_expires_at": until}
    if percent is not None:
        fields["progress"] = round(percent, 1)
    with transaction.atomic():
        mine = TranscodeJob.objects.filter(
            pk=held.job_id, lease_owner=held.owner, status=TranscodeJob.Status.RUNNING
        ).update(**fields)
        if mine and percent is not None:
            Video.objects.filter(pk=held.video_id, status=Video.Status.PROCESSING).update(
                progress=round(percent, 1)
            )
    return bool(mine)


class Heartbeat:
    """Renew the lease at most once a second; raise LeaseLost once it is someone else's."""

    def __init__(
        self, held: Claim, interval: float = HEARTBEAT_SECONDS, *, deadline: float | None = None
    ) -> None:
        self.claim = held
        self.interval = interval
        self.deadline = deadline  # time.monotonic() past which TimedOut is raised
        self.percent = 0.0
        self._last_try = 0.0
        self._last_ok = time.monotonic()

    def __call__(self, percent: float | None = None, *, force: bool = False) -> None:
        if percent is not None:
            self.percent = percent
        now = time.monotonic()
        if self.deadline is not None and now > self.deadline:
            raise TimedOut(self.claim.job_id)
        if not force and now - self._last_try < self.interval:
            return
        self._last_try = now
        try:
            alive = renew(self.claim, self.percent)
        except DatabaseError:  # a busy database: keep going unless the lease has run out
            log.warning("heartbeat of job %s failed", self.claim.job_id, exc_info=True)
            if now - self._last_ok > settings.TRANSCODE_LEASE_SECONDS:
                raise LeaseLost(self.claim.job_id) from None
            return
        if not alive:
            raise LeaseLost(self.claim.job_id)
        self._last_ok = now


def _locked_if_ours(held: Claim) -> TranscodeJob | None:
    """Lock and return the job while ``held`` still owns its lease (inside a transaction)."""
    return (
        TranscodeJob.objects.select_for_update()
        .filter(pk=held.job_id, lease_owner=held.owner, status=TranscodeJob.Status.RUNNING)
        .first()
    )


def publish(
    held: Claim,
    *,
    prefix: str,
    info: MediaInfo,
    result: TranscodeResult,
    music: MusicFacts | None = None,
) -> bool:
    """Point the video at a finished output, if the lease is still ours.

    This is where every video and music track becomes ready (in one transaction, with a
    track's tags, loudness and tempo from ``music``).
    """
    now = timezone.now()
    with transaction.atomic():
        job = _locked_if_ours(held)
        if job is None:
            return False
        video = Video.objects.select_for_update().filter(pk=held.video_id).first()
        if video is None:  # deleted meanwhile (its jobs go with it, but be sure)
            return False
        video.renditions.all().delete()
        Rendition.objects.bulk_create(
            Rendition(
                video=video,
                width=r.width,
                height=r.height,
                bitrate=r.bitrate,
                codecs=r.codecs,
                bytes=r.bytes,
                playlist_path=f"{prefix}/{r.playlist}",
            )
            for r in result.renditions
        )
        video.output_prefix = prefix
        video.hls_path = f"{prefix}/{result.master}"
        video.poster_path = f"{prefix}/{result.poster}" if result.poster else ""
        video.sprite_vtt_path = f"{prefix}/{result.sprite_vtt}" if result.sprite_vtt else ""
        video.duration = info.duration
        video.width = info.width or None
        video.height = info.height or None
        video.audio_only = info.audio_only
        video.status = Video.Status.READY
        video.progress = 100
        video.error = None
        video.save(update_fields=[*PUBLISHED_FIELDS, "updated"])
        if music is not None:
            track_apply_analysis(video=video, facts=music)
        job.status = TranscodeJob.Status.DONE
        job.progress = 100
        job.finished_at = now
        job.lease_expires_at = None
        job.error = ""
        job.log_tail = result.log_tail[-LOG_TAIL_CHARS:]
        job.save()
    return True


def fail(held: Claim, *, message: str, log_tail: str = "") -> bool:
    """Record a failure the owner can read, if the lease is still ours."""
    now = timezone.now()
    with transaction.atomic():
        job = _locked_if_ours(held)
        if job is None:
            return False
        _mark_failed(job, message, log_tail, now)
    return True
