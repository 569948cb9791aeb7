"""Headless Chromium on a real uvicorn: channel pages go live and back without a reload."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from catalog.models import Video
from catalog.tests.processes import wait_for
from config.tests.browser import Browser
from conftest import FFMPEG
from live import services
from live.models import Channel, LiveSession, ViewerPresence
from live.tests.conftest import go_live, go_offline
from live.tests.ingest_helpers import ingest_server, publish

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]

SEGMENTS_BEFORE_LIVE = 3  # the ingest says "live" once the player has something to play
WAIT_MS = 20_000


def segments(playlist: Path) -> int:
    try:
        return playlist.read_text().count("#EXTINF")
    except FileNotFoundError:
        return 0


@pytest.fixture
def live_stream(channel: Channel) -> Iterator[str]:
    """Package a generated live stream into storage as our packager does; yield its playlist.

    1 s fMP4 segments in a sliding window, with program-date-time, written by ffmpeg in real
    time for as long as the test runs.
    """
    prefix = f"live/{channel.pk}/s1"
    folder = Path(settings.MEDIA_ROOT) / prefix
    folder.mkdir(parents=True)
    cmd = [
        FFMPEG, "-v", "error", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-g", "30", "-keyint_min", "30", "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "64k",
        "-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments+program_date_time+temp_file",
        "-hls_segment_filename", str(folder / "seg-%05d.m4s"),
        "-master_pl_name", "master.m3u8",
        str(folder / "index.m3u8"),
    ]  # fmt: skip
    ffmpeg = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    try:
        wait_for(
            lambda: (
                segments(folder / "index.m3u8") >= SEGMENTS_BEFORE_LIVE
                and (folder / "master.m3u8").exists()
            ),
            30,
            "the first segments of the live stream",
        )
        yield f"{prefix}/master.m3u8"
    finally:
        ffmpeg.kill()
        ffmpeg.wait()


def visible(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).is_visible())


def test_the_page_switches_to_the_player_and_back_without_a_reload(
    asgi_browser: Browser, channel: Channel, live_stream: str
) -> None:
    page = asgi_browser.new_page()
    page.goto(asgi_browser.url(f"/live/{channel.slug}/"))
    page.wait_for_function("() => document.getElementById('live-page').dataset.isLive === 'false'")
    page.locator("#live-offline-state", has_text="Offline").wait_for()
    assert page.locator("hls-video").count() == 0
    page.evaluate("window.__samePage = true")  # gone if the page reloads

    went_live_at = time.monotonic()
    go_live(channel, live_stream, announce=True)
    page.locator("#live-badge").wait_for(state="visible", timeout=WAIT_MS)
    assert time.monotonic() - went_live_at < 5  # the bus: ≤ 1 s; the browser's own work after
    page.evaluate("document.querySelector('hls-video').muted = true")
    page.wait_for_function(
        "() => document.querySelector('hls-video')?.currentTime > 1", timeout=WAIT_MS
    )
    start = page.evaluate("document.querySelector('hls-video').currentTime")
    page.wait_for_function(
        "(start) => document.querySelector('hls-video').currentTime > start + 1",
        arg=start,
        timeout=WAIT_MS,
    )
    assert not visible(page, "#live-offline")
    config = page.evaluate(
        "(() => { const c = document.querySelector('hls-video').api.config;"
        " return [c.liveSyncDurationCount, c.lowLatencyMode, c.maxLiveSyncPlaybackRate]; })()"
    )
    assert config == [3, True, 1.5]
    for control in ("media-volume-range", "media-fullscreen-button", "media-rendition-menu"):
        assert page.locator(control).count() == 1, control

    # Behind the live edge (paused a while), the LIVE button takes the viewer back to it.
    page.evaluate("document.querySelector('hls-video').pause()")
    page.wait_for_function(
        "() => document.querySelector('hls-video').api.latency > 6", timeout=WAIT_MS
    )
    page.locator("media-live-button").click()
    page.wait_for_function(
        "() => { const m = document.querySelector('hls-video');"
        " return !m.paused && m.api.latency < 5; }",
        timeout=WAIT_MS,
    )
    # This page's socket counts as a viewer (in the server process), and the page shows it.
    page.locator("[data-viewer-count]", has_text="1").wait_for(timeout=WAIT_MS)
    assert sum(ViewerPresence.objects.values_list("count", flat=True)) == 1

    go_offline(channel, announce=True)
    page.locator("#live-offline-state", has_text="The stream has ended").wait_for(timeout=WAIT_MS)
    assert page.locator("hls-video").count() == 0
    assert not visible(page, "#live-badge")
    assert page.evaluate("window.__samePage") is True
    page.problems.check(page)


def test_live_pages_pass_the_checks_at_both_sizes(
    asgi_browser: Browser, channel: Channel, make_channel: Any, other_user: Any, live_stream: str
) -> None:
    offline = make_channel("quiet-hours", owner=other_user, title="Quiet hours")
    offline.description = "Late-night coding, ambient music and questions from the chat."
    offline.tags = ["coding", "music"]
    offline.save()
    for number, title in enumerate(("Sunday session", "Building the ingest"), 1):
        video = Video.objects.create(
            owner=other_user, title=title, kind=Video.Kind.REPLAY, status=Video.Status.READY,
            duration=3600.0 * number + 125, poster_path=poster(f"posters/{number}.jpg", number),
        )  # fmt: skip
        LiveSession.objects.create(channel=offline, status=LiveSession.Status.ENDED, replay=video)
    go_live(channel, live_stream)
    channel.thumbnail_path = poster(f"channels/{channel.pk}/thumbs/1.jpg", 3)
    channel.save(update_fields=["thumbnail_path"])

    asgi_browser.assert_pages_ok(
        {
            "live-channels": "/live/",
            "live-channel-live": f"/live/{channel.slug}/",
            "live-channel-offline": f"/live/{offline.slug}/",
            "live-home": "/",
        }
    )


def poster(name: str, seed: int) -> str:
    """Render a frame of a test pattern into storage as a JPEG; return its storage name."""
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    source = f"testsrc2=size=640x360:rate=1,hue=h={seed * 90}"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", source, "-frames:v", "1", str(path)],
        check=True,
        timeout=60,
    )
    return name


def test_chromium_plays_a_stream_published_to_the_real_ingest(
    asgi_browser: Browser, channel: Channel, tmp_path: Path
) -> None:
    page = asgi_browser.new_page()
    page.goto(asgi_browser.url(f"/live/{channel.slug}/"))
    page.locator("#live-offline-state", has_text="Offline").wait_for()
    with ingest_server(tmp_path) as ingest:
        publisher = publish(ingest.url(services.stream_key(channel)))
        try:
            # The ingest's went-live event reaches the open page through the bus.
            page.locator("#live-badge").wait_for(state="visible", timeout=WAIT_MS)
            page.evaluate("document.querySelector('hls-video').muted = true")
            page.wait_for_function(
                "() => document.querySelector('hls-video')?.currentTime > 1", timeout=WAIT_MS
            )
            start = page.evaluate("document.querySelector('hls-video').currentTime")
            page.wait_for_function(
                "(start) => document.querySelector('hls-video').currentTime > start + 2",
                arg=start,
                timeout=WAIT_MS,
            )
        finally:
            publisher.terminate()
            publisher.wait()
        page.locator("#live-offline-state", has_text="The stream has ended").wait_for(
            timeout=WAIT_MS
        )
    page.problems.check(page)
