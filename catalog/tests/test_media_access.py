"""Media access: a private video's files go to its owner only, and never to shared caches."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from catalog import services
from catalog.models import Video
from catalog.tests.api_helpers import make_video, write
from config.tests.browser import Browser

SEGMENT_DATA = bytes(range(256)) * 40
SEGMENT = "360/seg-00001.m4s"
# The files of one video, relative to its attempt prefix ("subtitles/" to its own folder).
FILES = ["master.m3u8", SEGMENT, "poster.jpg", "sprite.vtt", "subtitles/en-AbCdEf123.vtt"]


def publish(video: Video) -> dict[str, str]:
    """Write every kind of output of ``video``; return their /media/ URLs by short name."""
    names = {
        "master.m3u8": video.hls_path,
        "poster.jpg": video.poster_path,
        SEGMENT: f"{video.output_prefix}/{SEGMENT}",
        "sprite.vtt": video.sprite_vtt_path,
        "subtitles/en-AbCdEf123.vtt": f"videos/{video.pk}/subtitles/en-AbCdEf123.vtt",
    }
    write(video.sprite_vtt_path, b"WEBVTT\n")
    write(names["subtitles/en-AbCdEf123.vtt"], b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")
    return {short: f"/media/{name}" for short, name in names.items()}


@pytest.fixture
def private(user: User) -> Video:
    return make_video(user, visibility=Video.Visibility.PRIVATE, files=True)


def anonymous() -> Client:
    return Client()


def unmasked(page: bytes) -> bytes:
    """Drop the CSRF token, which Django masks afresh on every page."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page)


@pytest.mark.parametrize("short", FILES)
def test_private_files_are_404_to_anyone_but_the_owner(
    private: Video, alice: Client, bob: Client, short: str
) -> None:
    url = publish(private)[short]
    for stranger in (anonymous(), bob):
        assert stranger.get(url).status_code == 404
        assert stranger.head(url).status_code == 404
        assert stranger.get(url, HTTP_RANGE="bytes=0-3").status_code == 404
    response = alice.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private, max-age=")
    assert "public" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_owner_gets_ranges_head_and_304_of_a_private_segment(private: Video, alice: Client) -> None:
    url = publish(private)[SEGMENT]
    ranged = alice.get(url, HTTP_RANGE="bytes=10-19")
    assert ranged.status_code == 206
    assert ranged.getvalue() == SEGMENT_DATA[10:20]
    assert ranged["Cache-Control"] == "private, max-age=31536000, immutable"
    head = alice.head(url)
    assert (head.status_code, head["Cache-Control"]) == (200, ranged["Cache-Control"])
    again = alice.get(url, HTTP_IF_NONE_MATCH=ranged["ETag"])
    assert (again.status_code, again["Cache-Control"]) == (304, ranged["Cache-Control"])
    playlist = alice.get(publish(private)["master.m3u8"])
    assert playlist["Cache-Control"] == "private, max-age=2"


@pytest.mark.parametrize("visibility", [Video.Visibility.PUBLIC, Video.Visibility.UNLISTED])
def test_public_and_unlisted_files_are_served_to_anyone_with_shared_caching(
    user: User, bob: Client, visibility: str
) -> None:
    video = make_video(user, visibility=visibility, files=True)
    for short, url in publish(video).items():
        for client in (anonymous(), bob):
            response = client.get(url)
            assert response.status_code == 200, short
            assert response["Cache-Control"].startswith("public, max-age="), short
            assert not response.has_header("Vary"), short  # the session was not read


def test_public_files_cost_one_query_and_no_session(
    user: User, bob: Client, django_assert_num_queries: Any
) -> None:
    url = publish(make_video(user, files=True))[SEGMENT]
    with django_assert_num_queries(1):  # the video's visibility, by primary key
        assert bob.get(url, HTTP_RANGE="bytes=0-9").status_code == 206


def test_switching_to_private_takes_effect_at_once(user: User, alice: Client) -> None:
    video = make_video(user, files=True)
    urls = publish(video)
    assert all(anonymous().get(url).status_code == 200 for url in urls.values())
    services.video_update(video=video, data={"visibility": Video.Visibility.PRIVATE})
    assert all(anonymous().get(url).status_code == 404 for url in urls.values())
    assert all(alice.get(url).status_code == 200 for url in urls.values())
    services.video_update(video=video, data={"visibility": Video.Visibility.UNLISTED})
    assert all(anonymous().get(url).status_code == 200 for url in urls.values())


def test_a_private_video_looks_like_a_missing_one(private: Video, bob: Client, user: User) -> None:
    hidden = bob.get(publish(private)[SEGMENT])
    write("videos/GoneVideo01/out/a1/360/seg-00001.m4s", b"left behind")  # no row
    missing = bob.get("/media/videos/GoneVideo01/out/a1/360/seg-00001.m4s")
    assert hidden.status_code == missing.status_code == 404
    assert unmasked(hidden.content) == unmasked(missing.content)
    assert hidden.get("Vary") == missing.get("Vary")
    assert hidden.get("Cache-Control") == missing.get("Cache-Control")


def test_names_outside_a_video_keep_their_policy(client: Client, db: None) -> None:
    write("branding/logo.png", b"png")
    response = client.get("/media/branding/logo.png")
    assert (response.status_code, response["Cache-Control"]) == (
        200,
        "public, max-age=31536000, immutable",
    )
    write("videos/not an id!/x.jpg", b"x")
    assert client.get("/media/videos/not%20an%20id!/x.jpg").status_code == 404


@pytest.mark.anyio
@pytest.mark.usefixtures("async_db")
async def test_owner_session_through_the_asgi_application(user: User) -> None:
    from asgiref.sync import sync_to_async

    from config.asgi import application

    def setup() -> tuple[str, str]:
        video = make_video(user, visibility=Video.Visibility.PRIVATE, files=True)
        client = Client()
        client.force_login(user)
        return publish(video)[SEGMENT], client.cookies[settings.SESSION_COOKIE_NAME].value

    url, session = await sync_to_async(setup)()
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        assert (await http.get(url)).status_code == 404
        http.cookies.set(settings.SESSION_COOKIE_NAME, session)
        owner = await http.get(url, headers={"Range": "bytes=0-9"})
        assert (owner.status_code, owner.content) == (206, SEGMENT_DATA[:10])
        assert owner.headers["cache-control"] == "private, max-age=31536000, immutable"


@pytest.mark.browser
@pytest.mark.media
@pytest.mark.django_db(transaction=True)
def test_owner_plays_a_private_video_in_the_browser(ready_video: Video, browser: Browser) -> None:
    services.video_update(video=ready_video, data={"visibility": Video.Visibility.PRIVATE})
    page = browser.new_page(ready_video.owner)
    page.goto(browser.url(f"/videos/{ready_video.pk}/"))
    page.wait_for_function("() => document.querySelector('hls-video')?.api?.levels?.length === 2")
    page.evaluate(
        "(() => { const m = document.querySelector('hls-video'); m.muted = true;"
        " return m.play(); })()"
    )
    page.wait_for_function(
        "() => document.querySelector('hls-video').currentTime > 0.5", timeout=15000
    )
    page.problems.check(page)
