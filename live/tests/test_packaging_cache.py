"""Live playlists are revalidated on every request; segments are kept for good; VOD unchanged.

Through the local media view here; the S3 object headers are in catalog/tests/test_s3.py.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from catalog import files, storage
from catalog.models import Video
from live.models import Channel, LiveSession

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("file", "content_type", "cache"),
    [
        ("live.m3u8", "application/vnd.apple.mpegurl", "no-cache"),
        ("live_360p.m3u8", "application/vnd.apple.mpegurl", "no-cache"),
        ("360p_r1-ab12cd_00007.m4s", "video/iso.segment", IMMUTABLE),
        ("360p_r1-ab12cd_init.mp4", "video/mp4", IMMUTABLE),
        ("thumb-3.jpg", "image/jpeg", IMMUTABLE),
    ],
)
def test_live_files_through_the_media_view(
    client: Client, channel: Channel, file: str, content_type: str, cache: str
) -> None:
    session = LiveSession.objects.create(channel=channel)
    name = f"live/{channel.pk}/{session.pk}/{file}"
    storage.overwrite(name, b"data")
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert (response["Content-Type"], response["Cache-Control"]) == (content_type, cache)


@pytest.mark.django_db
def test_vod_playlists_keep_their_short_caching(client: Client, user) -> None:
    Video.objects.create(id="v1", owner=user, title="Public")
    name = default_storage.save("videos/v1/hls/1-ab/master.m3u8", ContentFile(b"#EXTM3U"))
    assert client.get(f"/media/{name}")["Cache-Control"] == files.PLAYLIST


@pytest.mark.database_free
def test_a_private_live_playlist_stays_out_of_shared_caches() -> None:
    assert files.cache_control("live/ch/s1/live.m3u8", private=True) == "private, no-cache"
    assert files.cache_control("videos/v/hls/master.m3u8", private=True) == "private, max-age=2"
