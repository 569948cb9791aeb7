"""Viewer pages: the channel list, a channel's page (live and offline), the home page's row."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from catalog.models import Video
from live import services, views
from live.models import Channel, LiveSession, ViewerPresence
from live.tests.conftest import go_live

pytestmark = pytest.mark.django_db

PLAYLIST = "live/studio/s1/master.m3u8"


def watching(channel: Channel, count: int) -> None:
    """Record ``count`` open sockets on the channel, as a web process does."""
    ViewerPresence.objects.create(
        process="web-1", channel_id=channel.pk, count=count, updated=timezone.now()
    )


def replay(channel: Channel, title: str, **fields: str) -> Video:
    """A replay of one of the channel's sessions, ready, as the packager leaves it."""
    fields = {"status": Video.Status.READY, **fields}
    video = Video.objects.create(owner=channel.owner, title=title, kind=Video.Kind.REPLAY, **fields)
    LiveSession.objects.create(channel=channel, status=LiveSession.Status.ENDED, replay=video)
    return video


def titles(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<span class="{css_class}">([^<]+)</span>', html)


def test_the_list_shows_live_channels_first_with_viewer_counts(
    client: Client, make_channel, other_user: User
) -> None:
    quiet = make_channel("quiet", title="Quiet corner")
    was_live = make_channel("was-live", title="Was live yesterday")
    LiveSession.objects.create(channel=was_live, status=LiveSession.Status.ENDED)
    on_air = make_channel("on-air", owner=other_user, title="On air now")
    go_live(on_air, PLAYLIST)
    watching(on_air, 3)

    html = client.get("/live/").content.decode()

    assert titles(html, "video-card__title") == [on_air.title, was_live.title, quiet.title]
    assert html.count('class="live-badge') == 1
    assert "3 watching" in html
    assert 'aria-current="page">Live</a>' in html


def test_the_list_has_pages(client: Client, make_channel, settings) -> None:
    settings.LIVE_CHANNELS_PER_USER = views.PAGE_SIZE + 1
    for number in range(views.PAGE_SIZE + 1):
        make_channel(f"channel-{number:02}")
    first = client.get("/live/").content.decode()
    second = client.get("/live/?page=2").content.decode()
    assert len(titles(first, "video-card__title")) == views.PAGE_SIZE
    assert titles(second, "video-card__title") == ["channel-00"]  # the oldest, last


def test_an_offline_channel_shows_its_public_replays_newest_first(
    client: Client, channel: Channel, make_channel, bob: Client
) -> None:
    older = replay(channel, "Older replay")
    newer = replay(channel, "Newer replay")
    unlisted = replay(channel, "Unlisted replay", visibility=Video.Visibility.UNLISTED)
    private = replay(channel, "Private replay", visibility=Video.Visibility.PRIVATE)
    replay(channel, "Still packaging", status=Video.Status.PROCESSING)
    replay(make_channel("elsewhere"), "Another channel's replay")
    Video.objects.create(owner=channel.owner, title="An upload", status=Video.Status.READY)

    for viewer in (client, bob):
        html = viewer.get(f"/live/{channel.slug}/").content.decode()
        assert titles(html, "video-card__title") == [newer.title, older.title]
        assert 'id="live-offline"' in html and 'id="live-offline" hidden' not in html
        assert 'data-hls-url=""' in html
        assert 'id="live-badge" hidden' in html

    channel.owner.refresh_from_db()
    owner = Client()
    owner.force_login(channel.owner)
    html = owner.get(f"/live/{channel.slug}/").content.decode()
    # The owner sees their own unlisted and private replays listed too.
    assert titles(html, "video-card__title") == [
        private.title, unlisted.title, newer.title, older.title
    ]  # fmt: skip


def test_a_live_channel_page_carries_its_playlist_and_count(
    client: Client, channel: Channel
) -> None:
    go_live(channel, PLAYLIST)
    watching(channel, 7)
    response = client.get(f"/live/{channel.slug}/")
    html = response.content.decode()
    assert f'data-hls-url="/media/{PLAYLIST}"' in html
    assert f'data-socket-path="/ws/chat/{channel.slug}/"' in html
    assert 'id="live-offline" hidden' in html
    assert 'id="live-badge" hidden' not in html
    assert "<span data-viewer-count>7</span> watching" in html
    assert "sha256-" in response["Content-Security-Policy"]  # the player's styles, by hash


def test_a_live_channel_not_yet_packaged_says_it_is_starting(
    client: Client, channel: Channel
) -> None:
    go_live(channel)  # no playlist yet
    html = client.get(f"/live/{channel.slug}/").content.decode()
    assert 'data-hls-url=""' in html
    assert "Starting…</p>" in html


def test_no_viewer_page_shows_the_stream_key(
    client: Client, alice: Client, channel: Channel
) -> None:
    key = services.stream_key(channel)
    go_live(channel, PLAYLIST)
    for viewer in (client, alice):
        for path in ("/live/", f"/live/{channel.slug}/", "/"):
            assert key not in viewer.get(path).content.decode()


@pytest.mark.parametrize("slug", ["nobody", "x" * 300, "caf%C3%A9", "%00"])
def test_unknown_channels_are_404(client: Client, slug: str) -> None:
    assert client.get(f"/live/{slug}/").status_code == 404


def test_the_home_page_shows_channels_live_now_above_the_catalog(
    client: Client, channel: Channel, make_channel
) -> None:
    make_channel("offline-one", title="Not live")
    assert "Live now" not in client.get("/").content.decode()

    go_live(channel, PLAYLIST)
    watching(channel, 2)
    html = client.get("/").content.decode()
    assert html.index("Live now") < html.index('class="page-head"')
    assert titles(html, "video-card__title") == [channel.title]
    assert "2 watching" in html
    # Not on a search's results or a later page: those are about the videos.
    assert "Live now" not in client.get("/?q=clip").content.decode()
