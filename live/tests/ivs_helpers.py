"""Helpers of the IVS tests: stubbed IVS / IVS Chat clients and EventBridge events.

The Stubber validates every request (and every canned answer) against botocore's real
``ivs`` and ``ivschat`` service models. The events follow the shapes AWS documents for
"IVS Stream State Change" and "IVS Recording State Change" (Amazon IVS User Guide, "Using
Amazon EventBridge with IVS").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from live.ivs import clients

REGION = "us-west-2"
ACCOUNT = "123456789012"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
RECORDING_ARN = f"arn:aws:ivs:{REGION}:{ACCOUNT}:recording-configuration/AbCdEf123456"
IVS_ID = "AsXego4U6tnj"
CHANNEL_ARN = f"arn:aws:ivs:{REGION}:{ACCOUNT}:channel/{IVS_ID}"
ROOM_ARN = f"arn:aws:ivschat:{REGION}:{ACCOUNT}:room/g1H2I3j4k5L6"
INGEST = "a1b2c3d4e5f6.global-contribute.live-video.net"
PLAYBACK = f"https://a1b2c3d4e5f6.{REGION}.playback.live-video.net/api/video/v1/x.m3u8"
STREAM_KEY = "sk_us-west-2_abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass
class Stubs:
    ivs: Stubber
    chat: Stubber


def client(service: str, endpoint: str | None = None) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint, **KEYS)


@pytest.fixture
def ivs_settings(settings: Any) -> Any:
    settings.IVS_REGION = REGION
    settings.IVS_RECORDING_CONFIGURATION_ARN = RECORDING_ARN
    settings.IVS_RECORDING_BUCKET = ""
    settings.IVS_REQUIRE_APPROVAL = False
    settings.LIVE_BACKEND = "ivs"
    return settings


@pytest.fixture
def ivs_stubs(ivs_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubs]:
    """Both clients stubbed; every queued answer must have been asked for by the end."""
    made = {"ivs": client("ivs"), "ivschat": client("ivschat")}
    stubs = Stubs(ivs=Stubber(made["ivs"]), chat=Stubber(made["ivschat"]))
    monkeypatch.setattr(clients, "factory", lambda service: made[service])
    with stubs.ivs, stubs.chat:
        yield stubs
        stubs.ivs.assert_no_pending_responses()
        stubs.chat.assert_no_pending_responses()


def ivs_channel(arn: str = CHANNEL_ARN, **extra: Any) -> dict[str, Any]:
    return {
        "arn": arn, "name": "onair", "latencyMode": "LOW", "type": "STANDARD",
        "recordingConfigurationArn": RECORDING_ARN, "ingestEndpoint": INGEST,
        "playbackUrl": PLAYBACK, **extra,
    }  # fmt: skip


def expect_create_channel(stubs: Stubs, *, channel_type: str = "STANDARD") -> None:
    answer = {
        "channel": ivs_channel(type=channel_type),
        "streamKey": {"arn": f"arn:aws:ivs:{REGION}:{ACCOUNT}:stream-key/k1", "value": STREAM_KEY,
                      "channelArn": CHANNEL_ARN},
    }  # fmt: skip
    params = {
        "name": ANY, "latencyMode": "LOW", "type": channel_type,
        "recordingConfigurationArn": RECORDING_ARN, "tags": ANY,
    }  # fmt: skip
    stubs.ivs.add_response("create_channel", answer, params)


def expect_create_room(stubs: Stubs) -> None:
    stubs.chat.add_response(
        "create_room", {"arn": ROOM_ARN, "id": "g1H2I3j4k5L6"}, {"name": ANY, "tags": ANY}
    )


def expect_provision(stubs: Stubs) -> None:
    """What provisioning asks with a shared recording configuration: a channel, a room."""
    expect_create_channel(stubs)
    expect_create_room(stubs)


def expect_deprovision(stubs: Stubs, arn: str = CHANNEL_ARN) -> None:
    stubs.ivs.add_response("delete_channel", {}, {"arn": arn})
    stubs.chat.add_response("delete_room", {}, {"identifier": ROOM_ARN})


def _event(detail_type: str, detail: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "01234567-0123-0123-0123-0123456789ab",
        "detail-type": detail_type,
        "source": "aws.ivs",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [arn],
        "detail": detail,
    }


def stream_event(name: str, stream_id: str = "st-1A2b3c4D5e6F78ab91c2d3e4f5a6b7c8d",
                 arn: str = CHANNEL_ARN) -> dict[str, Any]:  # fmt: skip
    """An "IVS Stream State Change" (name: Stream Start, Stream End, Session Created…)."""
    detail = {"event_name": name, "channel_name": "onair", "stream_id": stream_id}
    return _event("IVS Stream State Change", detail, arn)


def recording_prefix(ivs_id: str = IVS_ID, recording: str = "j8Z9O91ndcVs") -> str:
    now = datetime.now(UTC) - timedelta(minutes=5)
    return f"ivs/v1/{ACCOUNT}/{ivs_id}/{now.year}/{now.month}/{now.day}/{now.hour}/{now.minute}/{recording}"  # noqa: E501


def recording_event(
    status: str, *, bucket: str, prefix: str, duration_ms: int = 4000,
    stream_id: str = "st-1A2b3c4D5e6F78ab91c2d3e4f5a6b7c8d", arn: str = CHANNEL_ARN,
) -> dict[str, Any]:  # fmt: skip
    """An "IVS Recording State Change" (status: Recording Start, Recording End…)."""
    detail = {
        "channel_name": "onair",
        "stream_id": stream_id,
        "recording_status": status,
        "recording_status_reason": "",
        "recording_s3_bucket_name": bucket,
        "recording_s3_key_prefix": prefix,
        "recording_duration_ms": duration_ms,
        "recording_session_id": "e3f0d1e2-0000-1111-2222-333344445555",
        "recording_session_stream_ids": [stream_id],
    }
    return _event("IVS Recording State Change", detail, arn)
