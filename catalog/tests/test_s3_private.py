"""Private media on S3 (moto over HTTP): zones, signed URLs (S3 presigned, CloudFront), playback
by the owner."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import imageio_ffmpeg
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.files.storage import default_storage
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from catalog import media_grants
from catalog.models import Video
from catalog.s3 import MediaS3Storage
from catalog.tests.api_helpers import make_video
from catalog.tests.conftest import create_video, run_transcode
from catalog.tests.s3_helpers import (
    bucket,
    bucket_url,
    fetch,
    keys,
    moto_endpoint,
    private,
    publish,
    s3,
    s3_client,
    s3_default_storage,
    storage_options,
)

__all__ = ["bucket", "moto_endpoint", "private", "s3", "s3_client"]  # fixtures

pytestmark = pytest.mark.django_db


def test_private_files_sit_in_the_private_zone_and_need_a_signature(
    private: Video, s3_client: Any, bucket: str, moto_endpoint: str, settings: Any
) -> None:
    stored = keys(s3_client, bucket)
    assert {k.split("/", 1)[0] for k in stored} == {"private", "internal"}
    assert f"internal/videos/{private.pk}/source/upload" in stored
    key = f"private/{private.poster_path}"
    assert fetch(bucket_url(moto_endpoint, bucket, key))[0] == 403  # anonymous: refused
    signed = default_storage.url(private.poster_path)
    assert fetch(signed) == (200, b"\xff\xd8jpeg")
    # moto does not enforce expiry (STACK-NOTES): check what the URL itself asks for.
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == [str(settings.MEDIA_SIGNED_URL_SECONDS)]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 60
    # The original is out of reach even of the storage's own URLs.
    source = f"internal/videos/{private.pk}/source/upload"
    assert fetch(bucket_url(moto_endpoint, bucket, source))[0] == 403


def test_public_files_are_readable_by_anyone(
    s3: MediaS3Storage, user: User, s3_client: Any, bucket: str
) -> None:
    video = make_video(user, visibility=Video.Visibility.UNLISTED)
    publish(video)
    assert fetch(default_storage.url(video.poster_path)) == (200, b"\xff\xd8jpeg")
    assert "X-Amz-Signature" not in default_storage.url(video.poster_path)
    assert {k.split("/", 1)[0] for k in keys(s3_client, bucket)} == {"public", "internal"}


def test_the_owners_api_url_plays_through_rewritten_playlists(
    private: Video, user: User, settings: Any
) -> None:
    hls_url = media_grants.video_file_url(private, private.hls_path, user.pk)
    assert hls_url is not None
    player = Client()  # no cookie, no token: the URL is enough
    master = player.get(hls_url)
    assert master.status_code == 200 and master["Cache-Control"] == "private, no-store"
    assert "360/index.m3u8" in master.content.decode()  # sub-playlists come back here
    variant = player.get(hls_url.replace("master.m3u8", "360/index.m3u8"))
    text = variant.content.decode()
    uris = [line for line in text.splitlines() if line.startswith("http")]
    init = text.split('URI="', 1)[1].split('"', 1)[0]
    assert len(uris) == 2
    for uri, data in zip([init, *uris], [b"init", b"one", b"two"], strict=True):
        assert fetch(uri) == (200, data)
        expires = int(parse_qs(urlsplit(uri).query)["X-Amz-Expires"][0])
        assert expires == settings.MEDIA_SIGNED_URL_SECONDS + 4  # plus the playlist's length
    poster = player.get(hls_url.replace("master.m3u8", "poster.jpg"))
    assert poster.status_code == 302 and fetch(poster["Location"]) == (200, b"\xff\xd8jpeg")
    # The seek-preview map names its sprite relatively: the cells get signed URLs too.
    sprite = player.get(hls_url.replace("master.m3u8", "sprite.vtt")).content.decode()
    cell = sprite.splitlines()[-1]
    assert cell.endswith("#xywh=0,0,160,90")
    assert fetch(cell.split("#")[0]) == (200, b"\xff\xd8sprite")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def cloudfront_b64decode(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def verify(url: str, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """Check a CloudFront signed URL the way CloudFront does; return its policy statement."""
    query = parse_qs(urlsplit(url).query)
    assert query["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"]
    policy = cloudfront_b64decode(query["Policy"][0])
    signature = cloudfront_b64decode(query["Signature"][0])
    key.public_key().verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return dict(json.loads(policy)["Statement"][0])


@pytest.fixture
def signing_cloudfront(
    rsa_key: rsa.RSAPrivateKey, settings: Any, moto_endpoint: str, bucket: str
) -> Iterator[MediaS3Storage]:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.AWS_CLOUDFRONT_KEY_PAIR_ID = "K2JCJMDEHXQW5F"
    settings.AWS_CLOUDFRONT_PRIVATE_KEY = pem
    options = storage_options(moto_endpoint, bucket, custom_domain="cdn.example.com")
    with s3_default_storage(options) as storage:
        yield storage


def test_cloudfront_signs_private_media_scoped_to_the_video(
    signing_cloudfront: MediaS3Storage,
    user: User,
    rsa_key: rsa.RSAPrivateKey,
    settings: Any,
) -> None:
    video = make_video(user, visibility=Video.Visibility.PRIVATE)
    publish(video)
    poster = default_storage.url(video.poster_path)
    statement = verify(poster, rsa_key)
    assert statement["Resource"] == f"https://cdn.example.com/private/{video.poster_path}"
    expires = statement["Condition"]["DateLessThan"]["AWS:EpochTime"]
    assert abs(expires - (time.time() + settings.MEDIA_SIGNED_URL_SECONDS)) < 5

    hls_url = media_grants.video_file_url(video, video.hls_path, user.pk)
    assert hls_url is not None
    text = Client().get(hls_url.replace("master.m3u8", "360/index.m3u8")).content.decode()
    uris = [line for line in text.splitlines() if line.startswith("https://")]
    assert [u.split("?")[0].rsplit("/", 1)[1] for u in uris] == ["seg-00001.m4s", "seg-00002.m4s"]
    for uri in uris:  # one signature over the video's folder covers each segment
        statement = verify(uri, rsa_key)
        assert statement["Resource"] == f"https://cdn.example.com/private/videos/{video.pk}/*"

    forged = poster.replace("Signature=", "Signature=A")
    with pytest.raises((InvalidSignature, ValueError)):
        verify(forged, rsa_key)


@pytest.mark.media
@pytest.mark.sqlite_pass_only  # the transcode's queries run on PostgreSQL in other tests
@pytest.mark.django_db(transaction=True)
def test_ffmpeg_plays_a_private_video_from_the_owners_api_url(
    s3: MediaS3Storage, s3_client: Any, bucket: str, live_server: Any, user: User, clip: Any
) -> None:
    video = run_transcode(create_video(user, clip, visibility=Video.Visibility.PRIVATE))
    assert video.status == Video.Status.READY, video.error
    assert {k.split("/", 1)[0] for k in keys(s3_client, bucket)} == {"private", "internal"}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    hls_url = api.get(f"/api/videos/{video.pk}/").json()["hls_url"]
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", f"{live_server.url}{hls_url}",
         "-map", "0:v:0", "-f", "framemd5", "-"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frames = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert len(frames) == pytest.approx(2 * 30, abs=2)  # the whole 2 s clip decoded
    # The same URL without its grant is refused: the bucket holds it privately.
    plain = f"{live_server.url}/media/{video.hls_path}"
    assert fetch(plain)[0] == 404
