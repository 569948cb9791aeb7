"""A moto S3 server for the tests that use STORAGE_BACKEND=s3 (test_s3*.py, the live and
MediaConvert S3 tests): the server, a fresh bucket with the policy of docs/aws.md, the
storage switched to it, and a small published video in it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings

from accounts.models import User
from catalog.models import Video
from catalog.s3 import MediaS3Storage
from catalog.tests.api_helpers import make_video

REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE = "private, no-store"
LAZY: Any = default_storage  # the LazyObject itself, to look at what it wraps


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """Run ``moto_server`` on a free loopback port for this module; yield its URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            assert proc.poll() is None, "moto_server exited at start-up"
            assert time.monotonic() < deadline, "moto_server did not start listening"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def s3_client(moto_endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=moto_endpoint, region_name=REGION, **KEYS)


def public_outputs_policy(bucket: str) -> str:
    """The bucket policy of docs/aws.md without CloudFront: ``public/`` readable, nothing else."""
    text = (Path(django_settings.BASE_DIR) / "docs" / "aws.md").read_text()
    policy = text.split("<!-- bucket-policy-public -->", 1)[1].split("```json", 1)[1]
    return policy.split("```", 1)[0].replace("BUCKET", bucket)


@pytest.fixture
def bucket(s3_client: Any) -> str:
    """A fresh, empty bucket for each test, with the public-outputs policy."""
    name = f"onair-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=name)
    s3_client.put_bucket_policy(Bucket=name, Policy=public_outputs_policy(name))
    return name


def storage_options(endpoint: str, bucket: str, **extra: Any) -> dict[str, Any]:
    """What settings' s3 block gives MediaS3Storage, pointed at moto."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": REGION,
        "access_key": KEYS["aws_access_key_id"],
        "secret_key": KEYS["aws_secret_access_key"],
        "querystring_auth": False,
        "file_overwrite": False,
        **extra,
    }


@contextlib.contextmanager
def s3_default_storage(options: dict[str, Any]) -> Iterator[MediaS3Storage]:
    """Make ``default_storage`` a MediaS3Storage with ``options``, and put it back after.

    Django caches storages in ``storages._storages`` and ``default_storage._wrapped``;
    changing ``STORAGES`` fires ``setting_changed``, whose test receiver clears both, on
    the way in and on the way out.
    """
    backends = {
        **django_settings.STORAGES,
        "default": {"BACKEND": "catalog.s3.MediaS3Storage", "OPTIONS": options},
    }
    with override_settings(STORAGES=backends):
        s3 = storages["default"]
        assert isinstance(s3, MediaS3Storage)
        assert LAZY.bucket_name == options["bucket_name"]  # built from the new one
        yield s3


@pytest.fixture
def s3(moto_endpoint: str, bucket: str) -> Iterator[MediaS3Storage]:
    """``default_storage`` is MediaS3Storage on a fresh moto bucket during the test."""
    with s3_default_storage(storage_options(moto_endpoint, bucket)) as s3:
        yield s3


def delete_tasks() -> list[list[Any]]:
    """Return the arguments of the media deletions queued on the ORM broker."""
    from django_q.models import OrmQ

    return [list(q.args()) for q in OrmQ.objects.all() if q.func() == "catalog.tasks.delete_media"]


def keys(client: Any, bucket: str, prefix: str = "") -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


def headers(client: Any, bucket: str, key: str) -> tuple[str, str | None]:
    head = client.head_object(Bucket=bucket, Key=key)
    return head["ContentType"], head.get("CacheControl")


VARIANT = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\nseg-00001.m4s\n#EXTINF:2.0,\nseg-00002.m4s\n'
    "#EXT-X-ENDLIST\n"
)
MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:7\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e"\n'
    "360/index.m3u8\n"
)


def fetch(url: str) -> tuple[int, bytes]:
    """GET ``url`` anonymously, as a browser or player would; return status and body."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (moto on loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def publish(video: Video) -> list[str]:
    """Store a small HLS ladder, poster and source of ``video``; return the output names."""
    prefix = video.output_prefix
    outputs = {
        video.hls_path: MASTER.encode(),
        f"{prefix}/360/index.m3u8": VARIANT.encode(),
        f"{prefix}/360/init.mp4": b"init",
        f"{prefix}/360/seg-00001.m4s": b"one",
        f"{prefix}/360/seg-00002.m4s": b"two",
        video.poster_path: b"\xff\xd8jpeg",
        video.sprite_vtt_path: b"WEBVTT\n\n00:00.000 --> 00:02.000\nsprite.jpg#xywh=0,0,160,90\n",
        f"{prefix}/sprite.jpg": b"\xff\xd8sprite",
    }
    for name, data in outputs.items():
        assert default_storage.save(name, ContentFile(data)) == name
    default_storage.save(f"videos/{video.pk}/source/upload", ContentFile(b"gps-tagged original"))
    return sorted(outputs)


@pytest.fixture
def private(s3: MediaS3Storage, user: User) -> Video:
    video = make_video(user, visibility=Video.Visibility.PRIVATE)
    publish(video)
    return video


def bucket_url(moto_endpoint: str, bucket: str, key: str) -> str:
    return f"{moto_endpoint}/{bucket}/{key}"
