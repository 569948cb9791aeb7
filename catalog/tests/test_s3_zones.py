"""S3 zones kept right: visibility changes, holds and IVS recordings move (or keep) objects,
CloudFront forgets old paths, deletes are batched, readiness asks S3 once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django_q.models import OrmQ

from accounts.models import User
from catalog import cloudfront, media_zones, services, tasks
from catalog.models import Video
from catalog.s3 import MediaS3Storage
from catalog.tests.api_helpers import make_video
from catalog.tests.s3_helpers import (
    bucket,
    bucket_url,
    fetch,
    keys,
    moto_endpoint,
    private,
    s3,
    s3_client,
)
from config import health

__all__ = ["bucket", "moto_endpoint", "private", "s3", "s3_client"]  # fixtures

pytestmark = pytest.mark.django_db


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


def test_scheduling_does_nothing_on_local_storage(media_root: Any, user: User) -> None:
    video = make_video(user, visibility=Video.Visibility.PRIVATE)
    assert not media_zones.on_s3()
    assert media_zones.sync(video.pk) == 0
    with pytest.raises(CommandError, match="STORAGE_BACKEND is not s3"):
        call_command("s3_zones")


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
