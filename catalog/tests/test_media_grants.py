"""Private playback for apps: grant URLs and API tokens on local storage (S3: test_s3_private)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import m3u8
import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from catalog import media_grants
from catalog.models import Video
from catalog.tests.api_helpers import make_video, write

VARIANT = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
    '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\nseg-00001.m4s\n#EXT-X-ENDLIST\n'
)


@pytest.fixture
def private(user: User, media_root: Path) -> Video:
    video = make_video(user, visibility=Video.Visibility.PRIVATE, files=True)
    write(f"{video.output_prefix}/360/index.m3u8", VARIANT.encode())
    write(f"{video.output_prefix}/360/init.mp4", b"init")
    return video


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_an_app_plays_its_private_video_from_the_api_url_alone(private: Video, user: User) -> None:
    data = token_client(user).get(f"/api/videos/{private.pk}/").json()
    assert data["hls_url"].startswith("/media/grant/")
    assert data["poster_url"].startswith("/media/grant/")
    player = Client()  # a player sends no cookie and no token
    master = player.get(data["hls_url"])
    assert master.status_code == 200
    assert master["Cache-Control"].startswith("private")
    # Relative URIs resolve to URLs that carry the grant: the whole ladder plays.
    variant_url = m3u8.loads(body(master).decode(), uri=data["hls_url"]).playlists[0]
    variant = player.get(variant_url.absolute_uri)
    assert variant.status_code == 200
    parsed = m3u8.loads(body(variant).decode(), uri=variant_url.absolute_uri)
    segment = player.get(parsed.segments[0].absolute_uri)
    assert body(segment) == bytes(range(256)) * 40
    assert player.get(parsed.segment_map[0].absolute_uri).status_code == 200


def test_public_videos_keep_plain_urls(user: User, media_root: Path) -> None:
    video = make_video(user, files=True)
    assert token_client(user).get(f"/api/videos/{video.pk}/").json()["hls_url"] == (
        f"/media/{video.hls_path}"
    )


def test_the_media_view_takes_the_owners_api_token(private: Video, other_user: User) -> None:
    url = f"/media/{private.hls_path}"
    owner = Token.objects.create(user=private.owner).key
    assert Client().get(url, HTTP_AUTHORIZATION=f"Token {owner}").status_code == 200
    other = Token.objects.create(user=other_user).key
    assert Client().get(url, HTTP_AUTHORIZATION=f"Token {other}").status_code == 404
    assert Client().get(url, HTTP_AUTHORIZATION="Token not-a-token").status_code == 404
    assert Client().get(url).status_code == 404


def test_another_users_token_gets_neither_the_video_nor_a_grant(
    private: Video, other_user: User
) -> None:
    assert token_client(other_user).get(f"/api/videos/{private.pk}/").status_code == 404
    # A grant made out to someone else (a leaked secret aside, a stale one) opens nothing.
    grant = media_grants.issue(scope=f"videos/{private.pk}/", user_id=other_user.pk, seconds=60)
    response = Client().get(f"/media/grant/{grant}/{private.hls_path}")
    assert response.status_code == 404


def grant_url(video: Video) -> str:
    return media_grants.url_for(video.hls_path, video=video, user_id=video.owner_id)


def test_a_forged_grant_is_refused_with_a_sentence(private: Video) -> None:
    url = grant_url(private)
    head, grant, tail = url.split("/", 3)[1], url.split("/")[3], url.split("/", 4)[4]
    forged = grant[:-2] + ("AA" if not grant.endswith("AA") else "BB")
    response = Client().get(f"/{head}/grant/{forged}/{tail}")
    assert response.status_code == 403
    assert response.content.decode() == "This link to a private video is not valid."
    assert Client().get(f"/{head}/grant/junk/{tail}").status_code == 403


def test_a_grant_expires(private: Video, monkeypatch: pytest.MonkeyPatch, settings) -> None:
    url = grant_url(private)
    lifetime = settings.MEDIA_SIGNED_URL_SECONDS + int(private.duration or 0)
    now = media_grants._now()
    monkeypatch.setattr(media_grants, "_now", lambda: now + lifetime - 5)
    assert Client().get(url).status_code == 200
    monkeypatch.setattr(media_grants, "_now", lambda: now + lifetime + 5)
    response = Client().get(url)
    assert response.status_code == 403
    assert "expired" in response.content.decode()


def test_a_grant_covers_its_video_only(private: Video, user: User) -> None:
    other = make_video(user, visibility=Video.Visibility.PRIVATE, files=True)
    grant = grant_url(private).split("/")[3]
    response = Client().get(f"/media/grant/{grant}/{other.hls_path}")
    assert (response.status_code, response.content) == (403, b"This link does not cover that file.")
    assert (
        Client().get(f"/media/grant/{grant}/videos/{private.pk}/source/upload").status_code == 404
    )


def test_the_watch_page_plays_the_owners_private_video_by_grant(
    private: Video, client: Client, user: User
) -> None:
    client.force_login(user)
    page = client.get(private.get_absolute_url()).content.decode()
    assert 'src="/media/grant/' in page
