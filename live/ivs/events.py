"""Amazon IVS's EventBridge events: a channel goes live or offline, a recording becomes a replay.

Registered with config.aws.events in LiveConfig.ready; the signed webhook dispatches them.
Shapes (AWS "Using Amazon EventBridge with IVS"): ``resources`` holds the IVS channel ARN;
``detail`` carries ``event_name`` and ``stream_id`` (stream state) or ``recording_status``,
``recording_s3_bucket_name``, ``recording_s3_key_prefix`` and ``recording_duration_ms``
(recording state). An event about an IVS channel that is not ours is logged and ignored;
a malformed one raises InvalidEvent (retrying it cannot help).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task

from config.aws.events import BadEvent
from live import sessions
from live.ivs import recordings
from live.models import Channel, LiveSession

log = logging.getLogger(__name__)

SOURCE = "aws.ivs"
STREAM_STATE = "IVS Stream State Change"
RECORDING_STATE = "IVS Recording State Change"
_CHANNEL_ARN = re.compile(r"arn:aws[a-z-]*:ivs:[a-z0-9-]+:\d{12}:channel/([A-Za-z0-9]{1,64})")
_STREAM_ID = re.compile(r"st-[A-Za-z0-9]{1,64}")
ENDS = {
    "Stream End": LiveSession.EndReason.UNPUBLISHED,
    "Session Ended": LiveSession.EndReason.UNPUBLISHED,
    "Stream Failure": LiveSession.EndReason.DROPPED,
}


class InvalidEvent(BadEvent):
    """The event lacks what its documented shape promises (the webhook answers 400)."""


def _field(detail: dict[str, Any], name: str) -> str:
    value = detail.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"The IVS event's detail has no {name}.")
    return value


def _parse(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return the event's channel ARN and its detail, or raise InvalidEvent."""
    resources = event.get("resources")
    detail = event.get("detail")
    if not isinstance(resources, list) or not isinstance(detail, dict):
        raise InvalidEvent("An IVS event has a list of resources and a detail object.")
    arns = [r for r in resources if isinstance(r, str) and _CHANNEL_ARN.fullmatch(r)]
    if len(arns) != 1:
        raise InvalidEvent("The IVS event names no channel ARN among its resources.")
    return arns[0], detail


def _stream_id(detail: dict[str, Any]) -> str:
    stream_id = _field(detail, "stream_id")
    if not _STREAM_ID.fullmatch(stream_id):
        raise InvalidEvent("The IVS event's stream_id is not an IVS stream id.")
    return stream_id


def _channel(arn: str) -> Channel | None:
    channel = Channel.objects.filter(backend=Channel.Backend.IVS, backend_ref=arn).first()
    if channel is None:
        log.info("IVS event about channel %s, which is none of ours: ignored", arn)
    return channel


def on_stream_state(event: dict[str, Any]) -> None:
    """Stream Start: the channel is live; Stream End/Failure, Session Ended: offline."""
    arn, detail = _parse(event)
    name = _field(detail, "event_name")
    stream_id = _stream_id(detail)
    channel = _channel(arn)
    if channel is None:
        return
    if name == "Stream Start":
        playback = str((channel.backend_data or {}).get("playback_url", ""))
        sessions.remote_session_start(channel_id=channel.pk, stream_ref=stream_id, hls_url=playback)
    elif name in ENDS:
        reason = str(detail.get("reason", ""))[:500]
        sessions.remote_session_end(
            channel_id=channel.pk, stream_ref=stream_id, reason=ENDS[name], detail=reason
        )
    else:  # "Session Created" and whatever IVS adds later say nothing we show
        log.debug("IVS %s on channel %s: nothing to do", name, channel.pk)


def _session_of(channel: Channel, detail: dict[str, Any]) -> LiveSession | None:
    ids = detail.get("recording_session_stream_ids")
    refs = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    if isinstance(detail.get("stream_id"), str):
        refs.append(detail["stream_id"])
    return (
        LiveSession.objects.filter(channel=channel, backend_ref__in=refs)
        .order_by("started")
        .first()
    )


def on_recording_state(event: dict[str, Any]) -> None:
    """Recording End: the recorded HLS in S3 becomes the session's replay."""
    arn, detail = _parse(event)
    status = _field(detail, "recording_status")
    if status not in ("Recording Start", "Recording End"):
        log.warning("IVS %s on %s: %s", status, arn, detail.get("recording_status_reason"))
        return
    bucket = _field(detail, "recording_s3_bucket_name")
    prefix = recordings.checked_prefix(_field(detail, "recording_s3_key_prefix"), arn)
    if prefix is None:
        raise InvalidEvent("The IVS event's recording_s3_key_prefix is not under its channel.")
    if status == "Recording Start":
        _recording_started(arn, detail, prefix)
        return
    duration_ms = detail.get("recording_duration_ms")
    if not isinstance(duration_ms, int | float) or duration_ms < 0:
        raise InvalidEvent("The IVS event's recording_duration_ms is not a number of ms.")
    channel = _channel(arn)
    if channel is None:
        return
    if bucket != getattr(settings, "AWS_STORAGE_BUCKET_NAME", None):
        log.error("IVS recorded %s to bucket %s, not the media bucket: no replay", prefix, bucket)
        return
    session = _session_of(channel, detail)
    if session is None:
        log.warning("IVS recording %s matches no session of channel %s", prefix, channel.pk)
        return
    if session.replay_id is not None or duration_ms / 1000 < settings.LIVE_MIN_REPLAY_SECONDS:
        return
    # Read now, so that a recording IVS has not finished writing answers 500 and SNS retries.
    recordings.replay_output(prefix, duration=duration_ms / 1000)
    # Brought into the storage's zones and published by a task (live/ivs/imports.py).
    transaction.on_commit(
        lambda: async_task(
            "live.ivs.imports.import_recording", session.pk, prefix, duration_ms / 1000,
            group="media",
        ),
        robust=True,
    )  # fmt: skip


def _recording_started(arn: str, detail: dict[str, Any], prefix: str) -> None:
    """Note where the session's recording goes: its live thumbnails are reviewed from there."""
    channel = _channel(arn)
    if channel is None:
        return
    session = _session_of(channel, detail)
    if session is not None and not session.output_prefix:
        LiveSession.objects.filter(pk=session.pk, output_prefix="").update(output_prefix=prefix)


def register() -> None:
    """Route IVS's events here (LiveConfig.ready)."""
    from config.aws.events import register_event_handler

    register_event_handler(SOURCE, STREAM_STATE, on_stream_state)
    register_event_handler(SOURCE, RECORDING_STATE, on_recording_state)
