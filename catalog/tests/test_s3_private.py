"""Private media on S3 (moto over HTTP): zones, signed URLs, moves, batched deletes, readiness."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import imageio_ffmpeg
import pytest
from botocore.stub import ANY, Stubber
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django_q.models import OrmQ
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from catalog import cloudfront, media_grants, media_zones, services, tasks
from catalog.models import Video
from catalog.s3 import MediaS3Storage
from catalog.tests.api_helpers import make_video
from catalog.tests.conftest import create_video, run_transcode
from catalog.tests.test_s3 import (
    bucket,
    keys,
    moto_endpoint,
    s3,
    s3_client,
    s3_default_storage,
    storage_options,
)
from config import health

__all__ = ["bucket", "moto_endpoint", "s3", "s3_client"]  # fixtures

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def invalidations(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """CloudFront's client with botocore's Stubber: requests checked against the real model."""
    settings.AWS_CLOUDFRONT_DISTRIBUTION_ID = "E2QWRUHEXAMPLE"
    client = cloudfront.client()
    monkeypatch.setattr(cloudfront, "client", lambda: client)
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def expect_invalidation(stub: Stubber, paths: list[str]) -> None:
    answer = {
        "Location": "https://cloudfront.amazonaws.com/2020-05-31/distribution/E2/invalidation/I1",
        "Invalidation": {
            "Id": "I2J0I21PCUYOIK",
            "Status": "InProgress",
            "CreateTime": datetime.now(UTC),
            "InvalidationBatch": {
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": "ref",
            },
        },
    }
    batch = {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": ANY}
    stub.add_response(
        "create_invalidation",
        answer,
        {"DistributionId": "E2QWRUHEXAMPLE", "InvalidationBatch": batch},
    )


def queued(func: str) -> list[list[Any]]:
    return [list(q.args()) for q in OrmQ.objects.all() if q.func() == func]


def test_visibility_changes_move_the_objects_and_invalidate_the_old_paths(
    private: Video,
    s3_client: Any,
    bucket: str,
    moto_endpoint: str,
    invalidations: Stubber,
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = keys(s3_client, bucket)
    with django_capture_on_commit_callbacks(execute=True):
        services.video_update(video=private, data={"visibility": Video.Visibility.PUBLIC})
    assert queued("catalog.tasks.sync_media_zone") == [[private.pk]]
    expect_invalidation(invalidations, [f"/private/videos/{private.pk}/*"])
    assert tasks.sync_media_zone(private.pk) == 8
    public = keys(s3_client, bucket)
    assert public == sorted(k.replace("private/", "public/", 1) for k in before)
    assert fetch(bucket_url(moto_endpoint, bucket, f"public/{private.poster_path}"))[0] == 200
    assert tasks.sync_media_zone(private.pk) == 0  # run again (a redelivery): nothing to do

    with django_capture_on_commit_callbacks(execute=True):  # unlisted: still public
        services.video_update(video=private, data={"visibility": Video.Visibility.UNLISTED})
    assert len(queued("catalog.tasks.sync_media_zone")) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.video_update(video=private, data={"visibility": Video.Visibility.PRIVATE})
    expect_invalidation(invalidations, [f"/public/videos/{private.pk}/*"])
    assert tasks.sync_media_zone(private.pk) == 8
    assert keys(s3_client, bucket) == before
    assert fetch(bucket_url(moto_endpoint, bucket, f"public/{private.poster_path}"))[0] == 404


def test_a_recording_written_at_the_bucket_root_is_read_there_and_never_moved(
    s3: MediaS3Storage, s3_client: Any, bucket: str, user: User
) -> None:
    # Amazon IVS records under ivs/… at the bucket's root (registered by the live app).
    prefix = "ivs/v1/123456789012/AbCdEf/2026/12/3/10/0/rec1"
    s3_client.put_object(Bucket=bucket, Key=f"{prefix}/media/hls/master.m3u8", Body=b"#EXTM3U\n")
    replay = make_video(user, visibility=Video.Visibility.PRIVATE, kind=Video.Kind.REPLAY)
    Video.objects.filter(pk=replay.pk).update(output_prefix=prefix)
    assert default_storage.open(f"{prefix}/media/hls/master.m3u8").read() == b"#EXTM3U\n"
    assert tasks.sync_media_zone(replay.pk) == 0
    assert keys(s3_client, bucket) == [f"{prefix}/media/hls/master.m3u8"]


def test_moves_of_one_video_never_overlap(
    private: Video, s3_client: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = keys(s3_client, bucket)
    Video.objects.filter(pk=private.pk).update(visibility=Video.Visibility.PUBLIC)
    monkeypatch.setattr(media_zones, "LOCK_WAIT_SECONDS", 0)
    assert cache.add(f"media-zone-lock:{private.pk}", "another run", 60)
    assert tasks.sync_media_zone(private.pk) == 0  # busy: nothing moved, queued again
    assert keys(s3_client, bucket) == before
    assert queued("catalog.tasks.sync_media_zone") == [[private.pk]]
    cache.delete(f"media-zone-lock:{private.pk}")
    assert tasks.sync_media_zone(private.pk) == 8
    assert not cache.get(f"media-zone-lock:{private.pk}")  # released after the run


def test_a_moderation_hold_and_its_release_move_the_files_between_zones(
    private: Video, django_capture_on_commit_callbacks: Any
) -> None:
    Video.objects.filter(pk=private.pk).update(visibility=Video.Visibility.UNLISTED)
    private.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.video_hold(video=private, reason="Flagged for review.")
    assert queued("catalog.tasks.sync_media_zone") == [[private.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        services.video_release(video=private)
    assert queued("catalog.tasks.sync_media_zone") == [[private.pk], [private.pk]]
    private.refresh_from_db()
    assert private.visibility == Video.Visibility.UNLISTED


@pytest.mark.sqlite_pass_only  # S3 work; its few queries run on PostgreSQL in the tests above
def test_deleting_thousands_of_objects_is_batched(
    s3: MediaS3Storage, s3_client: Any, bucket: str, user: User, invalidations: Stubber
) -> None:
    video = make_video(user)
    prefix = f"videos/{video.pk}"
    names = [f"public/{prefix}/out/a1/360/seg-{i:05d}.m4s" for i in range(1001)]
    names += [f"private/{prefix}/out/a1/poster.jpg", f"internal/{prefix}/source/upload"]
    with ThreadPoolExecutor(8) as pool:  # moto answers puts in parallel threads
        list(pool.map(lambda key: s3_client.put_object(Bucket=bucket, Key=key, Body=b""), names))
    s3_client.put_object(Bucket=bucket, Key="public/videos/other/out/a1/master.m3u8", Body=b"x")
    calls: list[int] = []

    def count(params: dict[str, Any], **kwargs: Any) -> None:
        calls.append(len(params["Delete"]["Objects"]))

    s3.connection.meta.client.meta.events.register("provide-client-params.s3.DeleteObjects", count)
    services.video_delete(video=video)  # the test's transaction: the task is queued on commit
    expect_invalidation(invalidations, [f"/public/{prefix}/*"])
    assert tasks.delete_media([prefix]) == 1003
    assert sorted(calls) == [1, 1, 1, 1000]  # at most 1000 keys a call, a call per zone
    assert keys(s3_client, bucket) == ["public/videos/other/out/a1/master.m3u8"]


def test_readyz_asks_s3_once_per_interval(
    s3: MediaS3Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    heads: list[str] = []
    client = s3.connection.meta.client
    client.meta.events.register(
        "provide-client-params.s3.HeadBucket", lambda params, **kw: heads.append(params["Bucket"])
    )
    for name in ("PutObject", "ListObjects", "ListObjectsV2"):
        client.meta.events.register(
            f"provide-client-params.s3.{name}", lambda **kw: heads.append("!")
        )
    now = [1000.0]
    monkeypatch.setattr(health, "_clock", lambda: now[0])
    health.forget()
    for _ in range(5):
        assert Client().get("/readyz").json()["storage"] == "ok"
    assert heads == [s3.bucket_name]  # one HeadBucket, no write, no listing
    now[0] += health.CACHE_SECONDS
    assert Client().get("/readyz").status_code == 200
    assert heads == [s3.bucket_name] * 2
    health.forget()


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


def test_scheduling_does_nothing_on_local_storage(media_root: Any, user: User) -> None:
    video = make_video(user, visibility=Video.Visibility.PRIVATE)
    assert not media_zones.on_s3()
    assert media_zones.sync(video.pk) == 0
    with pytest.raises(CommandError, match="STORAGE_BACKEND is not s3"):
        call_command("s3_zones")


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


def test_the_upgrade_command_moves_unzoned_objects_into_their_zones(
    s3: MediaS3Storage, s3_client: Any, bucket: str, user: User
) -> None:
    private = make_video(user, visibility=Video.Visibility.PRIVATE)
    public = make_video(user)
    legacy = [
        private.poster_path,
        f"videos/{private.pk}/source/upload",
        public.hls_path,
        "channels/c1/avatar.jpg",
    ]
    for key in legacy:
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3_client.put_object(Bucket=bucket, Key=f"public/{public.poster_path}", Body=b"x")
    out = io.StringIO()
    call_command("s3_zones", stdout=out)
    assert out.getvalue() == "Moved 4 objects into their zones.\n"
    assert keys(s3_client, bucket) == sorted([
        f"private/{private.poster_path}",
        f"internal/videos/{private.pk}/source/upload",
        f"public/{public.hls_path}",
        f"public/{public.poster_path}",
        "public/channels/c1/avatar.jpg",
    ])  # fmt: skip
    call_command("s3_zones", stdout=out)  # again: nothing left to move
    assert out.getvalue().endswith("Moved 0 objects into their zones.\n")
