"""STORAGE_BACKEND=s3 against a real moto server over HTTP: headers, prefixes, the pipeline."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import m3u8
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.functional import empty

from accounts.models import User
from catalog import services, storage, tasks
from catalog.models import Video
from catalog.s3 import SPOOL_BYTES, MediaS3Storage
from catalog.tests.conftest import create_video, run_transcode
from catalog.tests.s3_helpers import (
    IMMUTABLE,
    LAZY,
    PRIVATE,
    bucket,
    delete_tasks,
    headers,
    keys,
    moto_endpoint,
    s3,
    s3_client,
    s3_default_storage,
    storage_options,
)
from config import health

__all__ = ["bucket", "moto_endpoint", "s3", "s3_client"]  # fixtures

# Keys start with a zone (catalog.s3), which the storage reads off the videos' rows.
pytestmark = pytest.mark.django_db


def test_the_swap_is_undone(moto_endpoint: str, bucket: str) -> None:
    with s3_default_storage(storage_options(moto_endpoint, bucket)):
        assert isinstance(LAZY._wrapped, MediaS3Storage)
    assert LAZY._wrapped is empty  # rebuilt from the restored settings on use
    assert isinstance(storages["default"], FileSystemStorage)
    default_storage.exists("anything")
    assert isinstance(LAZY._wrapped, FileSystemStorage)


def test_save_open_and_url(s3: MediaS3Storage, s3_client: Any, bucket: str) -> None:
    name = default_storage.save("videos/v1/hls/1-ab/poster.jpg", ContentFile(b"\xff\xd8jpeg"))
    assert name == "videos/v1/hls/1-ab/poster.jpg"
    assert keys(s3_client, bucket) == [f"public/{name}"]
    assert default_storage.exists(name) and default_storage.size(name) == 6
    with default_storage.open(name, "rb") as fh:
        assert fh.read() == b"\xff\xd8jpeg"
    # Outputs are never overwritten: a second save of one name gets another name.
    again = default_storage.save(name, ContentFile(b"other"))
    assert again != name and again.startswith("videos/v1/hls/1-ab/poster")

    url = default_storage.url(name)
    assert "X-Amz-Signature" not in url and "Expires" not in url  # stable, unsigned
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our moto URL)
        assert response.read() == b"\xff\xd8jpeg"
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize(
    ("name", "content_type", "cache_control"),
    [
        ("videos/v/hls/1-ab/master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=2"),
        ("videos/v/hls/1-ab/v0/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=2"),
        ("videos/v/hls/1-ab/v0/seg-00001.m4s", "video/iso.segment", IMMUTABLE),
        ("videos/v/hls/1-ab/v0/init.mp4", "video/mp4", IMMUTABLE),
        ("videos/v/hls/1-ab/sprite.vtt", "text/vtt; charset=utf-8", IMMUTABLE),
        ("videos/v/subtitles/en-abc123.vtt", "text/vtt; charset=utf-8", IMMUTABLE),
        ("videos/v/hls/1-ab/poster.jpg", "image/jpeg", IMMUTABLE),
        ("videos/v/source/upload", "application/octet-stream", PRIVATE),
        ("videos/v/source/upload.mp4", "application/octet-stream", PRIVATE),
        # Live sessions: playlists rewritten every second are revalidated, segments are not.
        ("live/c/s1/live.m3u8", "application/vnd.apple.mpegurl", "no-cache"),
        ("live/c/s1/live_360p.m3u8", "application/vnd.apple.mpegurl", "no-cache"),
        ("live/c/s1/360p_r1-ab12cd_00001.m4s", "video/iso.segment", IMMUTABLE),
        ("live/c/s1/360p_r1-ab12cd_init.mp4", "video/mp4", IMMUTABLE),
    ],
)
def test_each_kind_of_object_gets_its_headers(
    s3: MediaS3Storage, s3_client: Any, bucket: str, name: str, content_type: str,
    cache_control: str,
) -> None:  # fmt: skip
    # An upload declares its own type; that of a source is not trusted or published.
    upload = SimpleUploadedFile("clip.mp4", b"data", content_type="text/html")
    assert default_storage.save(name, upload) == name
    zone = "internal" if "/source/" in name else "public"  # v is no private video's id
    assert headers(s3_client, bucket, f"{zone}/{name}") == (content_type, cache_control)


def test_overwrite_puts_to_that_very_key(
    s3: MediaS3Storage, s3_client: Any, bucket: str, tmp_path: Path
) -> None:
    name = "live/c/s1/live_360p.m3u8"
    assert default_storage.save(name, ContentFile(b"#EXTM3U\n#one")) == name
    assert storage.overwrite(name, b"#EXTM3U\n#two") == name  # save would pick another name
    assert keys(s3_client, bucket) == [f"public/{name}"]
    body = s3_client.get_object(Bucket=bucket, Key=f"public/{name}")
    assert body["Body"].read() == b"#EXTM3U\n#two"
    assert (body["ContentType"], body["CacheControl"]) == (
        "application/vnd.apple.mpegurl",
        "no-cache",
    )
    segment = tmp_path / "seg.m4s"
    segment.write_bytes(b"\0" * 100_000)
    stored = storage.overwrite("live/c/s1/360p_r1-ab12cd_00000.m4s", segment)
    key = f"public/{stored}"
    assert s3_client.get_object(Bucket=bucket, Key=key)["Body"].read() == segment.read_bytes()
    assert headers(s3_client, bucket, key) == ("video/iso.segment", IMMUTABLE)


def test_a_location_prefix_changes_nothing_but_the_keys(
    moto_endpoint: str, s3_client: Any, bucket: str, tmp_path: Path, monkeypatch: Any
) -> None:
    s3 = MediaS3Storage(**storage_options(moto_endpoint, bucket, location="media"))
    s3.save("videos/v/hls/1-ab/v0/seg-00001.m4s", ContentFile(b"segment"))
    s3.save("videos/v/source/upload", ContentFile(b"source"))
    segment = headers(s3_client, bucket, "media/public/videos/v/hls/1-ab/v0/seg-00001.m4s")
    assert segment == ("video/iso.segment", IMMUTABLE)
    assert headers(s3_client, bucket, "media/internal/videos/v/source/upload")[1] == PRIVATE

    local = tmp_path / "media" / "videos" / "v"  # the same path as a folder on this machine
    local.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert storage.delete_prefix("videos/v", s3) == 2
    assert keys(s3_client, bucket) == []
    assert local.is_dir()  # a key prefix is not a local folder to remove


def test_delete_prefix_still_tidies_local_folders(media_root: Path) -> None:
    """The contrast case: on local storage the emptied folders go too."""
    default_storage.save("videos/v/hls/1-ab/v0/seg-00001.m4s", ContentFile(b"x"))
    assert storage.delete_prefix("videos/v") == 1
    assert list((media_root / "videos").iterdir()) == []


def test_delete_prefix_removes_that_prefix_only(
    s3: MediaS3Storage, s3_client: Any, bucket: str
) -> None:
    doomed = [
        "videos/a/source/upload",
        "videos/a/hls/1-ab/master.m3u8",
        "videos/a/hls/1-ab/v0/seg-00001.m4s",
        "videos/a/hls/1-ab/v1/seg-00001.m4s",
        "videos/a/subtitles/en-x.vtt",
    ]
    kept = ["videos/ab/source/upload", "videos/b/hls/1-cd/master.m3u8", "videos/a.txt"]
    for name in doomed + kept:
        s3.save(name, ContentFile(b"x"))
    assert storage.delete_prefix("videos/a") == len(doomed)
    zoned = [f"{'internal' if '/source/' in k else 'public'}/{k}" for k in kept]
    assert keys(s3_client, bucket) == sorted(zoned)
    assert storage.delete_prefix("videos/missing/") == 0
    # On S3 a walk lists the zone its folder is in: originals live apart, in internal/.
    assert sorted(storage.walk("videos")) == sorted(k for k in kept if "/source/" not in k)


def test_local_copy_is_temporary(s3: MediaS3Storage, media_root: Path) -> None:
    data = os.urandom(300_000)
    name = s3.save("videos/v/source/upload", ContentFile(data))
    with storage.local_copy(name) as path:
        assert path.read_bytes() == data
        assert media_root not in path.parents
        copy_dir = path.parent
    assert not path.exists() and not copy_dir.exists()


def test_large_reads_spill_to_disk(s3: MediaS3Storage) -> None:
    """A worker reading a big source must not hold it in memory (django-storages' default)."""
    name = s3.save("videos/v/source/upload", ContentFile(b"\0" * (SPOOL_BYTES + 1)))
    with s3.open(name, "rb") as fh:
        assert fh.read(4) == b"\0\0\0\0"
        assert fh.file._rolled  # the SpooledTemporaryFile went to disk


@pytest.mark.django_db
def test_readyz_checks_the_bucket(s3: MediaS3Storage, s3_client: Any, bucket: str) -> None:
    response = Client().get("/readyz")
    assert (response.status_code, response.json()["storage"]) == (200, "ok")
    assert keys(s3_client, bucket) == []  # the probe only reads

    s3_client.delete_bucket(Bucket=bucket)
    health.forget()  # a process remembers its answer for a few seconds
    response = Client().get("/readyz")
    assert (response.status_code, response.json()["storage"]) == (503, "failed: NoSuchBucket")


def test_settings_s3_block_uses_media_storage(moto_endpoint: str, s3_client: Any) -> None:
    """STORAGE_BACKEND=s3 from the environment gives this storage, on that endpoint."""
    bucket = f"onair-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=bucket)
    script = (
        "import django; django.setup()\n"
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage as s\n"
        # v.1 is no video id: the storage need not ask this process's empty database
        "n = s.save('videos/v.1/hls/1-ab/master.m3u8', ContentFile(b'#EXTM3U'))\n"
        "from django.conf import settings as c\n"
        "csp = c.CONTENT_SECURITY_POLICY['DIRECTIVES']\n"
        "print(type(s._wrapped).__name__, s.region_name, s.addressing_style, s.url(n),\n"
        "      *(o for d in ('media-src', 'connect-src', 'img-src') for o in csp[d][-2:]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": moto_endpoint,
        "AWS_S3_REGION_NAME": "eu-west-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "MediaS3Storage",
        "eu-west-1",
        "path",
        "https://cdn.example.com/public/videos/v.1/hls/1-ab/master.m3u8",
        # the player loads playlists, segments and posters from there: the CSP allows it
        # and, with no CloudFront key pair, private files come presigned from the endpoint
        *["https://cdn.example.com", moto_endpoint] * 3,
    ]
    assert (
        headers(s3_client, bucket, "public/videos/v.1/hls/1-ab/master.m3u8")[1]
        == "public, max-age=2"
    )


@pytest.mark.media
@pytest.mark.django_db
def test_upload_transcode_and_delete_on_s3(
    s3: MediaS3Storage,
    s3_client: Any,
    bucket: str,
    user: User,
    clip: Path,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    video = create_video(user, clip)
    assert keys(s3_client, bucket) == [f"internal/videos/{video.pk}/source/upload"]
    with django_capture_on_commit_callbacks(execute=True):  # the sweep runs after commit
        video = run_transcode(video)
    assert video.status == Video.Status.READY, video.error
    assert video.hls_path.startswith(f"{video.output_prefix}/")
    stored = [k.partition("/")[2] for k in keys(s3_client, bucket) if f"/{video.pk}/" in k]
    assert all(  # the published attempt and the source, nothing else
        k.startswith((f"{video.output_prefix}/", f"videos/{video.pk}/source/")) for k in stored
    )
    assert not [p for p in media_root.rglob("*") if p.is_file()]  # nothing went to disk

    # Read through the bucket's HTTP endpoint, the way a player does.
    master = m3u8.load(default_storage.url(video.hls_path))
    assert master.is_variant
    assert sorted(p.stream_info.resolution for p in master.playlists) == [(426, 240), (640, 360)]
    for variant in master.playlists:
        playlist = m3u8.load(variant.absolute_uri)
        assert playlist.segments and playlist.segment_map and playlist.is_endlist
        segments = [s.absolute_uri for s in playlist.segments]
        for uri in segments + [m.absolute_uri for m in playlist.segment_map]:
            key = uri.split(f"/{bucket}/", 1)[1]
            assert key.startswith("public/")
            assert headers(s3_client, bucket, key)[1] == IMMUTABLE
        with urllib.request.urlopen(segments[0], timeout=10) as response:  # noqa: S310
            assert response.headers["Cache-Control"] == IMMUTABLE
            assert response.headers["Content-Type"] == "video/iso.segment"
    with urllib.request.urlopen(default_storage.url(video.hls_path), timeout=10) as response:  # noqa: S310
        assert response.headers["Cache-Control"] == "public, max-age=2"
        assert response.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers(s3_client, bucket, f"public/{video.poster_path}") == ("image/jpeg", IMMUTABLE)
    source = f"videos/{video.pk}/source/upload"
    assert headers(s3_client, bucket, f"internal/{source}")[1] == PRIVATE
    with pytest.raises(urllib.error.HTTPError) as refused:  # outside the public policy
        urllib.request.urlopen(default_storage.url(source), timeout=10)  # noqa: S310
    assert refused.value.code == 403

    other = create_video(user, clip, title="Another")  # deleting one video spares the next
    gone = video.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.video_delete(video=video)
    assert delete_tasks() == [[[f"videos/{gone}"]]]  # a task on the worker, after commit
    tasks.delete_media(*delete_tasks()[0])
    assert keys(s3_client, bucket) == [f"internal/videos/{other.pk}/source/upload"]
