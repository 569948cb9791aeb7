"""The packager on S3 (a moto server over HTTP): the same files, with their headers per object."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import m3u8
import pytest
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage

from catalog.s3 import MediaS3Storage
from catalog.tests.s3_helpers import IMMUTABLE, bucket, headers, keys, moto_endpoint, s3, s3_client
from live.packaging.packager import Packager
from live.tests.packaging import decode, feed_file, flv, flv_dir

__all__ = ["bucket", "flv", "flv_dir", "moto_endpoint", "s3", "s3_client"]  # fixtures

# The storage reads the session row to pick each key's zone (catalog.s3): a live one is public.
pytestmark = [pytest.mark.media, pytest.mark.django_db, pytest.mark.anyio]

PREFIX = "live/ch/s1"
FPS = 30


def public_live_policy(bucket: str) -> str:
    """Let anyone read live sessions' files, as a deployment without CloudFront would."""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    resource = f"arn:aws:s3:::{bucket}/public/live/*"
    return json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Resource": resource}]})


async def test_live_and_replay_on_s3(
    s3: MediaS3Storage, s3_client: Any, bucket: str, media_root: Path, tmp_path: Path, settings,
    flv: Callable[..., Path],
) -> None:  # fmt: skip
    settings.LIVE_TRANSCODE_LADDER = False
    settings.LIVE_MIN_REPLAY_SECONDS = 1
    s3_client.put_bucket_policy(Bucket=bucket, Policy=public_live_policy(bucket))
    p = Packager(session_id="s1", output_prefix=PREFIX, work_dir=tmp_path / "work")
    await feed_file(p, flv("copy-3s", seconds=3))
    replay = await p.finish()
    assert not p.failed.is_set(), p.failure
    assert replay is not None and replay.poster is not None

    stored = keys(s3_client, bucket)
    assert all(k.startswith(f"public/{PREFIX}/") for k in stored)
    assert not [f for f in media_root.rglob("*") if f.is_file()]  # nothing went to local media
    for key in stored:
        cache = headers(s3_client, bucket, key)[1]
        assert cache == ("no-cache" if key.endswith(".m3u8") else IMMUTABLE), key
    live = m3u8.loads(
        s3_client.get_object(Bucket=bucket, Key=f"public/{PREFIX}/live_360p.m3u8")["Body"]
        .read()
        .decode()
    )
    assert live.is_endlist and all(f"public/{PREFIX}/{s.uri}" in stored for s in live.segments)

    # A player reads the replay from the bucket's HTTP endpoint.
    url = await sync_to_async(default_storage.url)(replay.master)  # it reads the session row
    frames, seconds = decode(url)
    assert abs(frames - 3 * FPS) <= 2 and seconds == pytest.approx(replay.duration, abs=0.1)
