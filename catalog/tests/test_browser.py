"""Headless Chromium on a live server: HLS playback, quality, subtitles, upload, CSP, looks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client

from accounts.models import User
from catalog import services
from catalog.models import Video

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
BUNDLE = Path(settings.BASE_DIR) / "build/static/vendor/player-bundle.js"
SHOTS = Path("/tmp/onair-shots")
VIEWPORTS = {"desktop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nHello from the subtitles\n"

# Recorded before any page script runs: CSP violations, and when the first frame was ready.
WATCH_SCRIPT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
document.addEventListener("loadeddata", () => {
  window.__firstFrameAt ??= performance.now();
}, true);
"""


class Problems:
    """Console errors, uncaught page errors and failed requests seen by one page."""

    def __init__(self, page: Any) -> None:
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"pageerror: {error}"))
        page.on("requestfailed", self._failed)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.seen.append(f"console: {message.text}")

    def _failed(self, request: Any) -> None:
        # A media element aborting a request it no longer needs is not a problem.
        if request.failure != "net::ERR_ABORTED":
            self.seen.append(f"request failed: {request.url} {request.failure}")

    def check(self, page: Any) -> None:
        violations = page.evaluate("window.__csp || []")
        assert violations == [], f"CSP violations: {violations}"
        assert self.seen == [], "\n".join(self.seen)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Launch Debian's Chromium (Playwright cannot download browsers here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    assert BUNDLE.exists(), f"{BUNDLE} is missing: run `make assets` (esbuild)"
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread between calls; the ORM
    # calls the tests make here are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield chromium
        chromium.close()


def new_page(browser: Any, live_server: Any, user: User | None, viewport: str = "desktop") -> Any:
    """Open a page (signed in as ``user`` through a session cookie) that records problems."""
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    context.add_init_script(WATCH_SCRIPT)
    page = context.new_page()
    page.problems = Problems(page)
    return page


def test_player_plays_switches_quality_and_shows_subtitles(
    live_server: Any, ready_video: Video, browser: Any
) -> None:
    services.subtitle_set(
        video=ready_video, language="en", label="English", file=ContentFile(VTT, name="en.vtt")
    )
    page = new_page(browser, live_server, None)
    page.goto(f"{live_server.url}/videos/{ready_video.pk}/")

    # hls.js is up with both renditions and the configuration of player.js.
    page.wait_for_function("() => document.querySelector('hls-video')?.api?.levels?.length === 2")
    config = page.evaluate(
        "(() => { const c = document.querySelector('hls-video').api.config;"
        " return [c.testBandwidth, c.startLevel]; })()"
    )
    assert config == [False, 0]

    # Playback really advances.
    page.evaluate(
        "(() => { const m = document.querySelector('hls-video'); m.muted = true;"
        " window.__switched = []; window.__buffered = [];"
        " m.api.on('hlsLevelSwitched', (e, d) => __switched.push(d.level));"
        " m.api.on('hlsFragBuffered',"
        " (e, d) => d.frag.type === 'main' && __buffered.push(d.frag.level));"
        " return m.play(); })()"
    )
    page.wait_for_function(
        "() => document.querySelector('hls-video').currentTime > 1", timeout=15000
    )

    # The first frame came after one media segment of each track (video, and audio when it
    # is a separate rendition), on one rung: no bandwidth-test segment fetched and thrown away.
    segments = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter((r) => r.startTime < window.__firstFrameAt)"
        ".map((r) => new URL(r.name).pathname).filter((path) => path.endsWith('.m4s'))"
    )
    tracks = [re.sub(r"[_-]?\d+\.m4s$", "", path) for path in segments]
    assert 1 <= len(segments) <= 2 and len(set(tracks)) == len(tracks), segments
    assert any("240" in track for track in tracks), f"started above the lowest rung: {segments}"

    # Quality: choose each rendition in the settings menu (the one not playing first). The
    # menu makes it hls.js's manual level; an immediate switch then replaces the buffered
    # segment (the 2 s clip is a single segment), and hls.js loads and plays that rendition.
    page.evaluate("document.querySelector('hls-video').pause()")
    playing = page.evaluate("document.querySelector('hls-video').api.currentLevel")
    labels = {0: "240p", 1: "360p"}
    for level in (1 - playing, playing):
        page.locator("media-settings-menu-button").click()
        page.locator("media-settings-menu-item", has_text="Quality").click()
        page.get_by_role("menuitemradio", name=re.compile(labels[level])).click()
        page.wait_for_function(
            "(level) => { const api = document.querySelector('hls-video').api;"
            " return !api.autoLevelEnabled && api.loadLevel === level; }",
            arg=level,
        )
        page.keyboard.press("Escape")
        page.evaluate(
            "(level) => { const m = document.querySelector('hls-video');"
            " __switched.length = 0; __buffered.length = 0;"
            " m.api.currentLevel = level; m.currentTime = 0; return m.play(); }",
            level,
        )
        page.wait_for_function(
            "(level) => { const m = document.querySelector('hls-video');"
            " return m.api.currentLevel === level && __buffered.includes(level)"
            " && __switched.at(-1) === level && m.currentTime > 0.3; }",
            arg=level,
            timeout=15000,
        )
        page.evaluate("document.querySelector('hls-video').pause()")

    # Keyboard: media-chrome's shortcuts work once the player has focus.
    page.locator("media-play-button").focus()
    page.keyboard.press("m")
    page.wait_for_function("() => !document.querySelector('hls-video').muted")
    page.keyboard.press("k")
    page.wait_for_function("() => !document.querySelector('hls-video').paused")
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('hls-video').paused")

    # Subtitles: turn English on from the captions menu; its cues load.
    page.locator("media-captions-menu-button").click()
    page.get_by_role("menuitemradio", name=re.compile("English")).click()
    page.wait_for_function(
        "() => { const tracks = [...document.querySelector('hls-video').textTracks]"
        ".filter((t) => t.kind === 'subtitles');"
        " return tracks.length === 1 && tracks[0].mode === 'showing'"
        " && tracks[0].cues?.length === 1; }",
        timeout=10000,
    )
    cue = page.evaluate(
        "[...document.querySelector('hls-video').textTracks]"
        ".find((t) => t.kind === 'subtitles').cues[0].text"
    )
    assert cue == "Hello from the subtitles"
    page.problems.check(page)


def test_processing_page_follows_progress_then_turns_into_the_player(
    live_server: Any, ready_video: Video, browser: Any
) -> None:
    Video.objects.filter(pk=ready_video.pk).update(status="processing", progress=10)
    page = new_page(browser, live_server, None)
    page.goto(f"{live_server.url}/videos/{ready_video.pk}/")
    assert page.locator("progress[data-status-bar]").get_attribute("value") == "10"

    Video.objects.filter(pk=ready_video.pk).update(progress=64.4)
    page.wait_for_function(
        "() => document.querySelector('progress[data-status-bar]').value === 64", timeout=5000
    )
    assert page.locator("[data-status-percent]").inner_text() == "64%"

    Video.objects.filter(pk=ready_video.pk).update(status="ready", progress=100)
    page.wait_for_selector("hls-video", timeout=5000)  # the page reloaded into the player
    page.wait_for_function("() => document.querySelector('hls-video')?.readyState >= 2")
    page.problems.check(page)


def test_upload_page_sends_the_file_with_progress_and_opens_the_video(
    live_server: Any, user: User, clip: Path, settings: Any, browser: Any
) -> None:
    page = new_page(browser, live_server, user)
    page.goto(f"{live_server.url}/upload/")

    # Field errors are shown in place, before anything is sent.
    page.locator("button[data-upload-submit]").click()
    assert "Give the video a title." in page.locator("[data-field=title]").inner_text()
    assert "Choose a video or audio file" in page.locator("[data-field=file]").inner_text()

    # The server's 413 answer reaches the person as a sentence.
    settings.UPLOAD_MAX_BYTES = 1000
    page.evaluate("document.getElementById('id_file').removeAttribute('data-max-bytes')")
    page.fill("#id_title", "Too big")
    page.set_input_files("#id_file", str(clip))
    page.locator("button[data-upload-submit]").click()
    page.wait_for_selector("[data-upload-error]:not([hidden])")
    assert "largest upload allowed" in page.locator("[data-upload-error]").inner_text()
    assert not Video.objects.exists()
    # Chromium logs every 4xx answer to the console; this one was provoked on purpose.
    page.problems.seen.remove(
        "console: Failed to load resource: the server responded with a status of 413 "
        "(Request Entity Too Large)"
    )

    settings.UPLOAD_MAX_BYTES = 50 * 1024 * 1024
    page.fill("#id_title", "Uploaded from the browser")
    page.select_option("#id_visibility", "unlisted")
    page.locator("button[data-upload-submit]").click()
    page.wait_for_url(re.compile(r"/videos/[^/]+/$"), timeout=15000)

    video = Video.objects.get(title="Uploaded from the browser")
    assert video.owner == user and video.visibility == "unlisted"
    assert page.url.endswith(f"/videos/{video.pk}/")
    assert page.locator("progress[data-status-bar]").count() == 1
    page.wait_for_timeout(1200)  # one status poll against the API
    page.problems.check(page)


def test_pages_look_finished_at_desktop_and_phone_size(
    live_server: Any, ready_video: Video, user: User, browser: Any
) -> None:
    Video.objects.create(owner=user, title="Still processing", status="processing", progress=55)
    Video.objects.create(
        owner=user, title="Could not process", status="failed", error="This is not a video."
    )
    SHOTS.mkdir(exist_ok=True)
    pages = {
        "catalog": "/",
        "video": f"/videos/{ready_video.pk}/",
        "upload": "/upload/",
        "my-videos": "/me/videos/",
        "subtitles": f"/me/videos/{ready_video.pk}/subtitles/",
    }
    for viewport in VIEWPORTS:
        page = new_page(browser, live_server, user, viewport)
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if name == "video":
                page.wait_for_function("() => document.querySelector('hls-video')?.readyState >= 2")
            assert page.locator("h1").count() == 1
            assert page.title().endswith("· Onair")
            page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"))
            # Nothing is wider than a phone screen.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways at {viewport} size"
        page.problems.check(page)
        page.context.close()
