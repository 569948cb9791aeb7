"""Jobs handed to a remote engine (MediaConvert): progress, completion, polling.

The lease rules are the ffmpeg path's: the attempt that submitted the job keeps its lease
(``lease_owner``) while the engine works; each sign of life (an event or a poll) renews it,
and a job nobody has heard of for ``TRANSCODE_REMOTE_LEASE_SECONDS`` expires and is queued
again by the sweeper (recovery.py) as a new attempt, up to the same attempt limit. An event
or poll about an earlier attempt's remote job finds another id on the row and is ignored.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import storage
from catalog.models import TranscodeJob, Video
from catalog.transcoding import cleanup, jobs
from catalog.transcoding.backends import get_transcoder
from catalog.transcoding.backends.base import RemoteState, RemoteStatus, TranscodeError
from catalog.transcoding.pipeline import timed_out_message
from catalog.transcoding.probe import MediaInfo

log = logging.getLogger(__name__)

FAILED = "The video could not be converted."
OUTPUT_PREFIX = re.compile(r"^videos/[\w-]+/hls/[\w-]+$")  # an attempt's own output folder


def _lease() -> float:
    return float(settings.TRANSCODE_REMOTE_LEASE_SECONDS)


def _claim_of(job: TranscodeJob) -> jobs.Claim:
    return jobs.Claim(job.pk, job.video_id, job.attempt, job.lease_owner, "")


def in_flight(job_id: str, remote_id: str | None = None) -> TranscodeJob | None:
    """Return the running job if a remote engine has it (and it is ``remote_id``, if given)."""
    job = (
        TranscodeJob.objects.filter(pk=job_id, status=TranscodeJob.Status.RUNNING)
        .exclude(remote={})
        .first()
    )
    if job is None or (remote_id is not None and job.remote["state"].get("id") != remote_id):
        return None
    return job


def advance(job: TranscodeJob, status: RemoteStatus) -> None:
    """Apply what the engine reported: progress, publication or failure."""
    held = _claim_of(job)
    prefix = job.remote["prefix"]
    if status.state is RemoteState.RUNNING:
        jobs.renew(held, status.percent, seconds=_lease())
        return
    if status.state is RemoteState.COMPLETE and status.result is not None:
        info = MediaInfo(**job.remote["info"])
        if jobs.publish(held, prefix=prefix, info=info, result=status.result):
            transaction.on_commit(lambda: cleanup.sweep_outputs(job.video_id))
        return
    message = status.message or FAILED
    if jobs.fail(held, message=message, log_tail=status.log_tail):
        storage.delete_prefix(prefix)
        log.warning("remote transcode job %s failed: %s", job.pk, message)


def settle(job: TranscodeJob, event: dict[str, Any] | None = None) -> None:
    """Ask the backend where the job stands (from ``event``, or by asking the engine)."""
    try:
        status = get_transcoder().status(job.remote["state"], event)
    except TranscodeError as exc:  # the outputs are there but unusable: the attempt failed
        status = RemoteStatus(RemoteState.ERROR, message=str(exc), log_tail=exc.log_tail)
    advance(job, status)


def discard(prefix: str) -> bool:
    """Delete what a finished remote job wrote, if nothing uses it (True if deleted).

    For a job that finished after its video was deleted, or after a later attempt took over:
    the engine wrote its outputs when nobody would keep them any more.
    """
    if not OUTPUT_PREFIX.match(prefix):
        return False
    published = Video.objects.filter(output_prefix=prefix).exists()
    in_flight_here = TranscodeJob.objects.filter(
        status=TranscodeJob.Status.RUNNING, remote__prefix=prefix
    ).exists()
    if published or in_flight_here:
        return False
    storage.delete_prefix(prefix)
    log.info("deleted %s: written by a remote job nobody waits for", prefix)
    return True


def _overdue(job: TranscodeJob) -> bool:
    """Tell whether the remote job has run past TRANSCODE_TIMEOUT_SECONDS, as ffmpeg may not."""
    since = datetime.fromisoformat(job.remote["since"])
    return timezone.now() - since > timedelta(seconds=settings.TRANSCODE_TIMEOUT_SECONDS)


def stop_overdue(job: TranscodeJob) -> None:
    """Cancel a job that ran out of time and fail it with the ffmpeg path's message."""
    get_transcoder().cancel(job.remote["state"])
    advance(job, RemoteStatus(RemoteState.ERROR, message=timed_out_message()))


def poll() -> list[str]:
    """Check every job a remote engine holds (the fallback for events that never came)."""
    checked: list[str] = []
    running = TranscodeJob.objects.filter(status=TranscodeJob.Status.RUNNING).exclude(remote={})
    for job in running:
        try:
            if _overdue(job):
                stop_overdue(job)
            else:
                settle(job)
        except Exception:  # one unreachable job must not stop the others; its lease decides
            log.exception("could not check remote transcode job %s", job.pk)
            continue
        checked.append(job.pk)
    return checked
