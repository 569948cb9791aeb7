"""The whole IVS flow on a moto server over HTTP (its IVS backend and S3), chat rooms stubbed.

create a channel → provisioned at (moto's) IVS → "Stream Start" → live → "Stream End" →
"Recording End" → the replay, ready, plays from the HLS IVS recorded into the bucket.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import imageio_ffmpeg
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber
from django_q.conf import Conf
from rest_framework.test import APIClient

from catalog.s3 import MediaS3Storage
from catalog.tests.s3_helpers import bucket, moto_endpoint, public_outputs_policy, s3, s3_client
from config.aws.events import dispatch
from live import hooks
from live.ivs import clients, tasks
from live.models import Channel, LiveSession
from live.tests.ivs_helpers import KEYS, REGION, ROOM_ARN, recording_event, recording_prefix
from live.tests.ivs_helpers import stream_event as _stream_event
from live.tests.packaging import decode

__all__ = ["bucket", "moto_endpoint", "s3", "s3_client"]  # fixtures

pytestmark = [pytest.mark.media, pytest.mark.django_db]

FPS = 15
SECONDS = 3


@pytest.fixture
def moto_ivs(
    moto_endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, Stubber]]:
    """``clients.ivs()`` talks to moto's IVS over HTTP; IVS Chat (no moto backend) is stubbed."""
    settings.LIVE_BACKEND = "ivs"
    settings.IVS_REGION = REGION
    settings.IVS_RECORDING_CONFIGURATION_ARN = (
        f"arn:aws:ivs:{REGION}:123456789012:recording-configuration/Shared1"
    )
    ivs = boto3.client("ivs", region_name=REGION, endpoint_url=moto_endpoint, **KEYS)
    chat = boto3.client("ivschat", region_name=REGION, **KEYS)
    monkeypatch.setattr(clients, "factory", lambda name: ivs if name == "ivs" else chat)
    with Stubber(chat) as stub:
        stub.add_response("create_room", {"arn": ROOM_ARN}, {"name": ANY, "tags": ANY})
        yield ivs, stub
        stub.assert_no_pending_responses()


def record(work: Path, prefix: str) -> list[tuple[Path, str]]:
    """Write what IVS writes for a short stream: HLS (TS segments) and thumbnails."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    source = ["-f", "lavfi", "-i", f"testsrc=size=160x90:rate={FPS}:duration={SECONDS}"]
    subprocess.run(
        [ffmpeg, "-v", "error", *source, "-f", "lavfi", "-i", f"sine=duration={SECONDS}",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", str(FPS), "-c:a", "aac", "-b:a", "32k",
         "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
         "-hls_segment_filename", f"{work}/media/hls/%v/%d.ts", "-master_pl_name", "master.m3u8",
         "-var_stream_map", "v:0,a:0,name:160p15", f"{work}/media/hls/%v/playlist.m3u8"],
        check=True, timeout=60,
    )  # fmt: skip
    (work / "media/thumbnails/160p15").mkdir(parents=True)
    subprocess.run(
        [ffmpeg, "-v", "error", *source, "-vf", "fps=1", "-start_number", "0",
         f"{work}/media/thumbnails/160p15/thumb%d.jpg"],
        check=True, timeout=60,
    )  # fmt: skip
    return [(p, f"{prefix}/{p.relative_to(work)}") for p in work.rglob("*") if p.is_file()]


def test_create_go_live_end_and_watch_the_replay(
    user: Any, alice_api: APIClient, moto_ivs: tuple[Any, Stubber], s3: MediaS3Storage,
    s3_client: Any, bucket: str, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    ivs, chat_stub = moto_ivs
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.LIVE_MIN_REPLAY_SECONDS = 1
    created = alice_api.post("/api/channels/", {"slug": "alice-ivs", "title": "On IVS"})
    assert created.status_code == 201, created.content
    channel = Channel.objects.get(slug="alice-ivs")
    assert (channel.backend, channel.provisioning) == ("ivs", "ready")
    at_ivs = ivs.get_channel(arn=channel.backend_ref)["channel"]
    assert (at_ivs["latencyMode"], at_ivs["type"]) == ("LOW", "STANDARD")
    assert at_ivs["recordingConfigurationArn"] == settings.IVS_RECORDING_CONFIGURATION_ARN
    key = alice_api.get("/api/channels/alice-ivs/stream-key/").json()
    assert key["ingest_url"] == f"rtmps://{at_ivs['ingestEndpoint']}:443/app/"
    assert key["stream_key"].startswith("sk_")

    def event(name: str) -> dict[str, Any]:
        return _stream_event(name, arn=channel.backend_ref)

    prefix = recording_prefix(channel.backend_ref.rsplit("/", 1)[-1])
    reviewed: list[str] = []

    def review(sender: Any, *, session: LiveSession, name: str, **kw: Any) -> None:
        reviewed.append(name)

    hooks.thumbnail_captured.connect(review)
    try:
        dispatch(event("Stream Start"))
        dispatch(recording_event("Recording Start", bucket=bucket, prefix=prefix,
                                 duration_ms=0, arn=channel.backend_ref))  # fmt: skip
        shown = alice_api.get("/api/channels/alice-ivs/").json()
        assert (shown["is_live"], shown["hls_url"]) == (True, at_ivs["playbackUrl"])
        # IVS records into the media bucket as the stream goes; thumbnails are reviewed live.
        for path, key_name in record(tmp_path / "rec", prefix):
            s3_client.upload_file(str(path), bucket, key_name)
        assert tasks.review_live_thumbnails() == SECONDS
        assert tasks.review_live_thumbnails() == 0  # each once
        dispatch(event("Stream End"))
        assert alice_api.get("/api/channels/alice-ivs/").json()["is_live"] is False

        # The bucket policy of docs/aws.md: public/ readable, ivs/ (IVS's own) not.
        s3_client.put_bucket_policy(Bucket=bucket, Policy=public_outputs_policy(bucket))
        monkeypatch.setattr(Conf, "SYNC", True)  # the follow-up tasks run here and now
        ended = recording_event(
            "Recording End", bucket=bucket, prefix=prefix, duration_ms=SECONDS * 1000,
            arn=channel.backend_ref,
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            dispatch(ended)
            dispatch(ended)  # delivered twice: one replay
    finally:
        hooks.thumbnail_captured.disconnect(review)

    replays = alice_api.get("/api/channels/alice-ivs/replays/").json()
    assert replays["count"] == 1
    video = replays["results"][0]
    assert (video["status"], video["duration"]) == ("ready", SECONDS)
    assert video["renditions"][0]["height"] == 90
    assert video["poster_url"].endswith(".jpg")
    frames, seconds = decode(video["hls_url"])
    assert abs(frames - SECONDS * FPS) <= 2 and seconds == pytest.approx(SECONDS, abs=0.2)
    assert len(reviewed) == SECONDS and reviewed[0].startswith(f"{prefix}/media/thumbnails/")
    # The recording now lives in the storage's zones, under the session; IVS's copy is gone.
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert not [k for k in keys if k.startswith("ivs/")]
    assert any(k.startswith("public/live/") and k.endswith("master.m3u8") for k in keys)

    # Deleting the channel deletes the IVS channel and room (the replay stays, as a video).
    chat_stub.add_response("delete_room", {}, {"identifier": ROOM_ARN})
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete("/api/channels/alice-ivs/").status_code == 204
    with pytest.raises(ClientError, match="ResourceNotFound"):
        ivs.get_channel(arn=channel.backend_ref)
    assert alice_api.get(f"/api/videos/{video['id']}/").status_code == 200
