"""A private replay on S3: its live files move to the private zone and its owner plays them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from catalog import media_grants, services, storage, tasks
from catalog.models import Video
from catalog.s3 import MediaS3Storage
from catalog.tests.s3_helpers import bucket, keys, moto_endpoint, s3, s3_client
from live.ivs import imports
from live.models import Channel, LiveSession

__all__ = ["bucket", "moto_endpoint", "s3", "s3_client"]  # fixtures

PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n"


@pytest.mark.django_db
def test_a_private_replay_moves_to_the_private_zone(
    s3: MediaS3Storage, s3_client: Any, bucket: str, channel: Channel,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    session = LiveSession.objects.create(channel=channel)
    prefix = f"live/{channel.pk}/{session.pk}"
    storage.overwrite(f"{prefix}/live.m3u8", PLAYLIST.encode())
    storage.overwrite(f"{prefix}/seg_00001.m4s", b"segment")
    assert keys(s3_client, bucket) == [
        f"public/{prefix}/live.m3u8",
        f"public/{prefix}/seg_00001.m4s",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        replay = services.video_create_published(
            owner=channel.owner, title="Replay", kind=Video.Kind.REPLAY,
            visibility=Video.Visibility.PRIVATE, prefix=prefix, master=f"{prefix}/live.m3u8",
            renditions=[], poster=None, duration=1.0,
        )  # fmt: skip
    LiveSession.objects.filter(pk=session.pk).update(
        status=LiveSession.Status.ENDED, ended=timezone.now(), replay=replay
    )
    assert tasks.sync_media_zone(replay.pk) == 2
    assert keys(s3_client, bucket) == [
        f"private/{prefix}/live.m3u8",
        f"private/{prefix}/seg_00001.m4s",
    ]

    url = media_grants.video_file_url(replay, replay.hls_path, channel.owner_id)
    assert url is not None and url.startswith("/media/grant/")
    text = Client().get(url).content.decode()
    segment = next(line for line in text.splitlines() if line.startswith("http"))
    assert f"/private/{prefix}/seg_00001.m4s?" in segment and "X-Amz-Signature=" in segment


MASTER = (
    "#EXTM3U\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x90,CODECS="avc1.42c00c"\n'
    "160p15/playlist.m3u8\n"
)


@pytest.mark.django_db
def test_an_ivs_recording_of_a_private_channel_lands_in_the_private_zone(
    s3: MediaS3Storage, s3_client: Any, bucket: str, channel: Channel,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    # IVS wrote at the bucket's root, where no policy can tell private from public.
    raw = "ivs/v1/123456789012/AbCd/2026/12/3/13/0/rec1"
    for key, body in (
        (f"{raw}/media/hls/master.m3u8", MASTER),
        (f"{raw}/media/hls/160p15/playlist.m3u8", PLAYLIST),
        (f"{raw}/media/hls/160p15/seg_00001.m4s", "segment"),
    ):
        s3_client.put_object(Bucket=bucket, Key=key, Body=body.encode())
    Channel.objects.filter(pk=channel.pk).update(replay_visibility=Video.Visibility.PRIVATE)
    session = LiveSession.objects.create(channel=channel, status=LiveSession.Status.ENDED)
    with django_capture_on_commit_callbacks(execute=True):
        replay_id = imports.import_recording(session.pk, raw, 1.0)
    replay = Video.objects.get(pk=replay_id)
    assert replay.visibility == Video.Visibility.PRIVATE
    tasks.sync_media_zone(replay.pk)  # what the private replay's queued move does
    target = f"live/{channel.pk}/{session.pk}/recording"
    assert keys(s3_client, bucket) == [
        f"private/{target}/media/hls/160p15/playlist.m3u8",
        f"private/{target}/media/hls/160p15/seg_00001.m4s",
        f"private/{target}/media/hls/master.m3u8",
    ]
    assert replay.hls_path == f"{target}/media/hls/master.m3u8"
