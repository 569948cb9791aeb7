"""AWS Elemental MediaConvert: the ladder is encoded in AWS, straight from and to S3.

``start`` submits the job (the configured role, queue and endpoint) and hands the attempt
off; completion comes from EventBridge's "MediaConvert Job State Change" events through the
SNS webhook (``on_job_state_change``), or from the per-minute ``GetJob`` poll if an event is
lost (catalog/transcoding/remote.py). Progress is MediaConvert's ``jobPercentComplete``.
"""

from __future__ import annotations

import logging
import posixpath
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import default_storage

from catalog.transcoding import remote, thumbnails
from catalog.transcoding.backends import mediaconvert_job, mediaconvert_outputs
from catalog.transcoding.backends.base import (
    Job,
    RemoteState,
    RemoteStatus,
    Submitted,
    TranscodeError,
    Transcoder,
)
from catalog.transcoding.ladder import decide
from catalog.transcoding.progress import ProgressCallback

log = logging.getLogger(__name__)

EVENT_SOURCE = "aws.mediaconvert"
EVENT_TYPE = "MediaConvert Job State Change"
NOT_SUBMITTED = "The video could not be sent to the transcoding service. Please try again."
FAILED = "The video could not be converted: {}"
DONE_STATES = {"COMPLETE": RemoteState.COMPLETE, "ERROR": RemoteState.ERROR}
DONE_STATES["CANCELED"] = RemoteState.ERROR
REPORTED_SHARE = 0.99  # MediaConvert's 100 % still leaves the sprite and publishing to do


def make_client() -> Any:
    """Return a MediaConvert client for the configured region (and endpoint, if any)."""
    return boto3.client(
        "mediaconvert",
        region_name=settings.AWS_MEDIACONVERT_REGION or None,
        endpoint_url=settings.AWS_MEDIACONVERT_ENDPOINT or None,
    )


def s3_url(name: str, *, folder: bool = False) -> str:
    """Return the s3:// URL of a file (or folder) in Django storage: its bucket key, with
    the zone its video's visibility puts it in (catalog/s3.py), under AWS_LOCATION."""
    from catalog.s3 import MediaS3Storage, zone_of

    storage = default_storage
    if isinstance(storage, MediaS3Storage):
        key = storage.key(name, zone_of(name, folder=folder))
    else:
        key = posixpath.join(getattr(settings, "AWS_LOCATION", "") or "", name)
    return f"s3://{settings.AWS_STORAGE_BUCKET_NAME}/{key}"


class MediaConvertTranscoder(Transcoder):
    """Submit the ladder to MediaConvert; learn its end from events or polls."""

    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client()
        return self._client

    def start(self, job: Job, on_progress: ProgressCallback) -> Submitted:
        """Create the MediaConvert job; its outputs go straight to ``job.prefix``."""
        info = job.info
        rungs, fps = decide(
            has_video=info.has_video, width=info.width, height=info.height, fps=info.fps,
            frames=info.video_frames, duration=info.duration,
        )  # fmt: skip
        plan = None
        if rungs:
            lowest = rungs[-1]
            plan = thumbnails.plan_sprite(info.duration, lowest.width, lowest.height)
        job_settings = mediaconvert_job.job_settings(
            source_url=s3_url(job.source_name),
            destination=s3_url(job.prefix, folder=True) + "/",
            info=info, rungs=rungs, fps=fps, sprite=plan,
        )  # fmt: skip
        request: dict[str, Any] = {
            "Role": settings.AWS_MEDIACONVERT_ROLE_ARN,
            "Settings": job_settings,
            "UserMetadata": {"onair_job": job.reference, "onair_prefix": job.prefix},
            # The same attempt submitted twice (a retried call) makes one job, not two.
            "ClientRequestToken": job.prefix.replace("/", "-"),
            "StatusUpdateInterval": "SECONDS_30",
        }
        if settings.AWS_MEDIACONVERT_QUEUE_ARN:
            request["Queue"] = settings.AWS_MEDIACONVERT_QUEUE_ARN
        try:
            created = self.client.create_job(**request)
        except (BotoCoreError, ClientError) as exc:
            raise TranscodeError(NOT_SUBMITTED, f"CreateJob: {exc}") from exc
        on_progress(0)
        remote_id = created["Job"]["Id"]
        log.info("MediaConvert job %s submitted for %s", remote_id, job.reference)
        state: dict[str, Any] = {"id": remote_id, "prefix": job.prefix, "duration": info.duration}
        if plan is not None:
            state["sprite"] = [lowest.width, lowest.height]
        return Submitted(state)

    def status(self, state: dict[str, Any], event: dict[str, Any] | None = None) -> RemoteStatus:
        """Read the job's state from the event, or ask GetJob when there is none."""
        if event is not None:
            detail = event.get("detail") or {}
            name = str(detail.get("status", ""))
            percent = (detail.get("jobProgress") or {}).get("jobPercentComplete")
            error = str(detail.get("errorMessage") or detail.get("errorCode") or "")
        else:
            try:
                found = self.client.get_job(Id=state["id"])["Job"]
            except (BotoCoreError, ClientError) as exc:  # the poll tries again in a minute
                raise RuntimeError(f"GetJob {state['id']}: {exc}") from exc
            name, percent = str(found.get("Status", "")), found.get("JobPercentComplete")
            error = str(found.get("ErrorMessage") or found.get("ErrorCode") or "")
        done = DONE_STATES.get(name)
        if done is RemoteState.COMPLETE:
            return RemoteStatus(done, percent=100, result=self._collect(state))
        if done is RemoteState.ERROR:
            message = FAILED.format(error or f"the job was {name.lower()}.")
            return RemoteStatus(done, message=message, log_tail=f"MediaConvert {name}: {error}")
        scaled = None if percent is None else float(percent) * REPORTED_SHARE
        return RemoteStatus(RemoteState.RUNNING, percent=scaled)

    def cancel(self, state: dict[str, Any]) -> None:
        """Cancel the job in MediaConvert (it bills by the minute of output)."""
        try:
            self.client.cancel_job(Id=state["id"])
        except (BotoCoreError, ClientError):
            log.warning("could not cancel MediaConvert job %s", state["id"], exc_info=True)

    @staticmethod
    def _collect(state: dict[str, Any]) -> Any:
        duration = float(state["duration"])
        plan = None
        if state.get("sprite"):
            plan = thumbnails.plan_sprite(duration, *state["sprite"])
        return mediaconvert_outputs.collect(state["prefix"], plan, duration)


def on_job_state_change(event: dict[str, Any]) -> None:
    """Handle a "MediaConvert Job State Change" event about one of our jobs."""
    detail = event.get("detail") or {}
    reference = (detail.get("userMetadata") or {}).get("onair_job")
    remote_id = detail.get("jobId")
    if not reference or not remote_id:
        log.info("MediaConvert event for a job not submitted by this site: ignored")
        return
    job = remote.in_flight(str(reference), str(remote_id))
    if job is None:  # done already, an earlier attempt's job, or the video was deleted
        log.info("MediaConvert event for %s (%s): not in flight, ignored", reference, remote_id)
        if detail.get("status") in DONE_STATES:
            remote.discard(str((detail.get("userMetadata") or {}).get("onair_prefix", "")))
        return
    remote.settle(job, event)
