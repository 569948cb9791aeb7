"""Amazon IVS: a channel, its stream key, a recording configuration and an IVS Chat room.

Each channel of ours gets one IVS channel (latency LOW, the operator's IVS_CHANNEL_TYPE)
recording to S3, and one IVS Chat room. Provisioning either creates all of them or, when a
call fails, deletes what it had created and raises ProvisioningFailed with AWS's message:
never a half-made channel. The stream's state comes back as EventBridge events
(live/ivs/events.py), not through this class.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from live.backends.base import LiveBackend, Provisioned
from live.errors import ProvisioningFailed
from live.ivs import clients
from live.models import Channel, LiveSession

log = logging.getLogger(__name__)

THUMBNAIL_SECONDS = 60
RECORDING_WAIT_TRIES = 20  # a new recording configuration is usually ACTIVE within seconds
AwsError = (BotoCoreError, ClientError)


def aws_message(exc: Exception) -> str:
    """Return AWS's own sentence for an error (no traceback, no request ids)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    return str(exc)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _tags(channel_id: str) -> dict[str, str]:
    return {"onair:channel": channel_id}


def ingest_url_for(endpoint: str) -> str:
    """IVS's RTMPS ingest URL for a channel's ingest endpoint (the key goes after it)."""
    return f"rtmps://{endpoint}:443/app/" if endpoint else ""


def _quietly(what: str, call: Callable[[], Any], *ignore: str) -> None:
    """Make a clean-up call; a resource already gone is fine, anything else is logged."""
    try:
        call()
    except ClientError as exc:
        if _code(exc) not in ("ResourceNotFoundException", *ignore):
            log.error("IVS clean-up failed (%s): %s", what, aws_message(exc))
    except BotoCoreError as exc:
        log.error("IVS clean-up failed (%s): %s", what, exc)


class IvsLiveBackend(LiveBackend):
    """Channels, keys and chat rooms at Amazon IVS."""

    name = "ivs"
    remote = True
    wait_seconds = 1.0  # between polls of a new recording configuration's state

    # --- provisioning ---
    def _recording_configuration(self, channel_id: str, undo: list[tuple[str, Any]]) -> str:
        if settings.IVS_RECORDING_CONFIGURATION_ARN:
            return str(settings.IVS_RECORDING_CONFIGURATION_ARN)
        ivs = clients.ivs()
        created = ivs.create_recording_configuration(
            name=f"onair-{channel_id}",
            destinationConfiguration={"s3": {"bucketName": settings.IVS_RECORDING_BUCKET}},
            thumbnailConfiguration={
                "recordingMode": "INTERVAL",
                "targetIntervalSeconds": THUMBNAIL_SECONDS,
                "storage": ["SEQUENTIAL"],
            },
            renditionConfiguration={"renditionSelection": "ALL"},
            recordingReconnectWindowSeconds=settings.LIVE_RECONNECT_GRACE_SECONDS,
            tags=_tags(channel_id),
        )["recordingConfiguration"]
        arn = str(created["arn"])
        undo.append(
            ("recording configuration", lambda: ivs.delete_recording_configuration(arn=arn))
        )
        state = created.get("state")
        for _ in range(RECORDING_WAIT_TRIES):
            if state == "ACTIVE":
                return arn
            if state == "CREATE_FAILED":
                break
            time.sleep(self.wait_seconds)
            state = ivs.get_recording_configuration(arn=arn)["recordingConfiguration"]["state"]
        raise ProvisioningFailed(
            f"IVS did not make the recording configuration ready (its state: {state})."
        )

    def provision(self, *, channel_id: str) -> Provisioned:
        undo: list[tuple[str, Any]] = []
        try:
            recording = self._recording_configuration(channel_id, undo)
            ivs = clients.ivs()
            created = ivs.create_channel(
                name=f"onair-{channel_id}",
                latencyMode="LOW",
                type=settings.IVS_CHANNEL_TYPE,
                recordingConfigurationArn=recording,
                tags=_tags(channel_id),
            )
            arn = str(created["channel"]["arn"])
            undo.append(("channel", lambda: ivs.delete_channel(arn=arn)))
            chat = clients.ivschat()
            room = chat.create_room(name=f"onair-{channel_id}", tags=_tags(channel_id))
        except (*AwsError, ProvisioningFailed) as exc:
            for what, call in reversed(undo):
                _quietly(what, call)
            message = str(exc) if isinstance(exc, ProvisioningFailed) else aws_message(exc)
            log.warning("IVS provisioning of channel %s failed: %s", channel_id, message)
            raise ProvisioningFailed(
                f"Amazon IVS could not create the channel ({message})."
            ) from exc
        endpoint = str(created["channel"].get("ingestEndpoint", ""))
        data = {
            "ingest_endpoint": endpoint,
            "playback_url": str(created["channel"].get("playbackUrl", "")),
            "room_arn": str(room["arn"]),
            "recording_configuration_arn": recording,
            "owns_recording_configuration": not settings.IVS_RECORDING_CONFIGURATION_ARN,
            "type": settings.IVS_CHANNEL_TYPE,
        }
        return Provisioned(
            stream_key=str(created["streamKey"]["value"]),
            ingest_url=ingest_url_for(endpoint),
            backend_ref=arn,
            data=data,
        )

    def deprovision(self, channel: Channel) -> None:
        data = channel.backend_data or {}
        if channel.backend_ref:
            arn = channel.backend_ref
            _quietly("channel", lambda: clients.ivs().delete_channel(arn=arn))
        if data.get("room_arn"):
            room = str(data["room_arn"])
            _quietly("chat room", lambda: clients.ivschat().delete_room(identifier=room))
        if data.get("owns_recording_configuration") and data.get("recording_configuration_arn"):
            recording = str(data["recording_configuration_arn"])
            _quietly(
                "recording configuration",
                lambda: clients.ivs().delete_recording_configuration(arn=recording),
            )

    # --- keys and sessions ---
    def rotate_key(self, channel: Channel) -> str:
        """Delete the channel's stream keys at IVS and create a new one (IVS allows one)."""
        ivs = clients.ivs()
        try:
            listed = ivs.list_stream_keys(channelArn=channel.backend_ref)["streamKeys"]
            for key in listed:
                ivs.delete_stream_key(arn=key["arn"])
            created = ivs.create_stream_key(channelArn=channel.backend_ref, tags=_tags(channel.pk))
        except AwsError as exc:
            raise ProvisioningFailed(
                f"Amazon IVS could not rotate the stream key ({aws_message(exc)})."
            ) from exc
        return str(created["streamKey"]["value"])

    def _stop(self, channel: Channel) -> None:
        if not channel.backend_ref:
            return
        arn = channel.backend_ref
        _quietly(
            "stop stream",
            lambda: clients.ivs().stop_stream(channelArn=arn),
            "ChannelNotBroadcasting",
        )

    def key_rotated(self, channel: Channel) -> None:
        self._stop(channel)  # the old key is deleted: the encoder cannot reconnect with it

    def end_session(self, session: LiveSession, *, reason: str) -> None:
        self._stop(session.channel)

    def ingest_url(self, channel: Channel) -> str:
        return ingest_url_for(str((channel.backend_data or {}).get("ingest_endpoint", "")))
