"""Headless Chromium on a live server: HLS playback, quality, subtitles, upload, CSP, axe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from accounts.models import User
from catalog import services
from catalog.models import Video
from catalog.tests.conftest import create_video
from config.tests.browser import Browser

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nHello from the subtitles\n"


def test_player_plays_switches_quality_and_shows_subtitles(
    ready_video: Video, browser: Browser
) -> None:
    services.subtitle_set(
        video=ready_video, language="en", label="English", file=ContentFile(VTT, name="en.vtt")
    )
    page = browser.new_page()
    page.goto(browser.url(f"/videos/{ready_video.pk}/"))

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
    ready_video: Video, browser: Browser
) -> None:
    Video.objects.filter(pk=ready_video.pk).update(status="processing", progress=10)
    page = browser.new_page()
    page.goto(browser.url(f"/videos/{ready_video.pk}/"))
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
    user: User, clip: Path, settings: Any, browser: Browser
) -> None:
    page = browser.new_page(user)
    page.goto(browser.url("/upload/"))

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
        f"(Request Entity Too Large) ({browser.url('/api/videos/')})"
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


def test_every_page_passes_axe_and_looks_finished_at_desktop_and_phone_size(
    ready_video: Video, user: User, browser: Browser
) -> None:
    Video.objects.create(owner=user, title="Still processing", status="processing", progress=55)
    Video.objects.create(
        owner=user, title="Could not process", status="failed", error="This is not a video."
    )
    services.subtitle_set(
        video=ready_video, language="en", label="English", file=ContentFile(VTT, name="en.vtt")
    )
    browser.assert_pages_ok(
        {
            "catalog": "/",
            "video": f"/videos/{ready_video.pk}/",
            "upload": "/upload/",
            "my-videos": "/me/videos/",
            "edit": f"/me/videos/{ready_video.pk}/edit/",
            "subtitles": f"/me/videos/{ready_video.pk}/subtitles/",
            "delete": f"/me/videos/{ready_video.pk}/delete/",
            "password-change": "/accounts/password_change/",
            "password-change-done": "/accounts/password_change/done/",
        },
        user=user,
    )
    browser.assert_pages_ok(
        {
            "catalog-visitor": "/",
            "sign-in": "/accounts/login/?next=/upload/",
            "sign-up": "/accounts/signup/",
            "password-reset": "/accounts/password_reset/",
            "password-reset-done": "/accounts/password_reset/done/",
            "password-reset-link": "/accounts/reset/MQ/not-a-token/",
            "password-reset-complete": "/accounts/reset/done/",
        }
    )


def test_forms_with_errors_sign_out_and_admin_sign_in_pass_axe(
    user: User, browser: Browser
) -> None:
    page = browser.new_page()
    # A form sent empty shows its field errors (and the page must stay accessible).
    for path in ("/accounts/login/", "/accounts/signup/"):
        page.goto(browser.url(path))
        page.locator("form.form button[type=submit]").click()
        page.wait_for_selector(".field__errors li, .alert--error")
        page.problems.check(page)
    page.context.close()

    # Signing out lands on the catalog as a visitor.
    page = browser.new_page(user)
    page.goto(browser.url("/"))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("a:has-text('Sign in')")
    page.problems.check(page)
    page.context.close()

    # Django's admin sign-in page (the admin's own look, checked the same way).
    page = browser.new_page()
    page.goto(browser.url("/admin/login/"))
    page.wait_for_load_state("networkidle")  # the icon request included
    page.problems.check(page)
    page.context.close()


def test_api_docs_page_keeps_the_csp(browser: Browser) -> None:
    # Swagger UI is third-party and outside the axe check, but not outside the CSP.
    page = browser.new_page()
    page.goto(browser.url("/api/docs/"))
    page.wait_for_selector(".swagger-ui .info")
    page.problems.check(page, axe=False)
    page.context.close()


def _open_menu_by_keyboard(page: Any, button: str, menu: str) -> None:
    """Open ``menu`` with Enter on ``button``; return once the menu has taken focus."""
    page.locator(button).focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{menu}:not([hidden])")
    page.wait_for_function(f"() => document.activeElement?.closest('{menu}')")


# The focused menu item's first line of text (a settings item also holds its submenu),
# through the shadow roots media-chrome's menus use.
FOCUSED_ITEM = """() => { let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el?.matches('[role^=menuitem]') ? el.textContent.trim().split('\\n')[0] : null; }"""


def _arrow_to(page: Any, text: str) -> None:
    """Move through the open menu with ArrowDown until the item ``text`` has focus."""
    for _ in range(10):
        if page.evaluate(FOCUSED_ITEM) == text:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no menu item {text!r} reached by keyboard")


def test_every_player_control_is_reachable_and_usable_by_keyboard(
    ready_video: Video, browser: Browser
) -> None:
    services.subtitle_set(
        video=ready_video, language="en", label="English", file=ContentFile(VTT, name="en.vtt")
    )
    page = browser.new_page()
    page.goto(browser.url(f"/videos/{ready_video.pk}/"))
    page.wait_for_function("() => document.querySelector('hls-video')?.readyState >= 2")

    # Tab reaches the player (its keyboard shortcuts) and every control, in the order shown.
    page.locator("a.brand").focus()
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('#player-frame')"):
            reached.append(page.evaluate("document.activeElement.tagName.toLowerCase()"))
        elif reached:
            break
    assert reached == [
        "media-controller",
        "media-time-range",
        "media-play-button",
        "media-seek-backward-button",
        "media-seek-forward-button",
        "media-mute-button",
        "media-volume-range",
        "media-captions-menu-button",
        "media-settings-menu-button",
        "media-pip-button",
        "media-fullscreen-button",
    ], reached

    # Quality: settings, down to Quality, into it, down to 360p, choose.
    _open_menu_by_keyboard(page, "media-settings-menu-button", "#player-settings")
    _arrow_to(page, "Quality")
    page.keyboard.press("Enter")
    # The submenu takes focus once it has slid in.
    page.wait_for_function("() => document.activeElement?.closest('media-rendition-menu')")
    _arrow_to(page, "360p")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => { const api = document.querySelector('hls-video').api;"
        " return !api.autoLevelEnabled && api.levels[api.loadLevel].height === 360; }"
    )
    page.keyboard.press("Escape")

    # Captions: down from Off to English.
    _open_menu_by_keyboard(page, "media-captions-menu-button", "#player-captions")
    _arrow_to(page, "English")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelector('hls-video').textTracks]"
        ".some((t) => t.kind === 'subtitles' && t.mode === 'showing')"
    )
    page.keyboard.press("Escape")

    # Seek with the arrow keys on the time range.
    page.locator("media-time-range").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('hls-video').currentTime > 0.5")

    # Full screen takes the frame, menus included: the settings menu opens inside it.
    page.locator("media-fullscreen-button").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.fullscreenElement?.id === 'player-frame'")
    _open_menu_by_keyboard(page, "media-settings-menu-button", "#player-settings")
    inside = page.evaluate(
        "() => { const f = document.fullscreenElement.getBoundingClientRect();"
        " const m = document.querySelector('#player-settings').getBoundingClientRect();"
        " return m.top >= f.top && m.bottom <= f.bottom && m.height > 0; }"
    )
    assert inside, "the settings menu is outside the full-screen frame"
    page.keyboard.press("Escape")
    page.locator("media-fullscreen-button").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.fullscreenElement === null")
    # A focused media-chrome button shows its tooltip, whose enter/exit texts sit in slots
    # hidden by CSS; axe flattens slots away with their styles and reads both texts as
    # visible (label-content-name-mismatch). Check the page with nothing focused.
    page.evaluate("document.activeElement.blur()")
    page.problems.check(page)


# Share of the video's area under the control bars (stacked rows, so their areas add up).
BARS_COVER = """() => {
  const v = document.querySelector('media-controller').getBoundingClientRect();
  let covered = 0;
  for (const bar of document.querySelectorAll('media-controller > media-control-bar')) {
    const b = bar.getBoundingClientRect();
    const w = Math.min(b.right, v.right) - Math.max(b.left, v.left);
    const h = Math.min(b.bottom, v.bottom) - Math.max(b.top, v.top);
    covered += Math.max(0, w) * Math.max(0, h);
  }
  return covered / (v.width * v.height); }"""

# Each quality entry: its text, and whether it is on screen and the topmost thing at its
# centre (not clipped by the menu, the player or the viewport, nor covered by anything).
QUALITY_ENTRIES = """() => {
  const menu = document.querySelector('media-rendition-menu');
  return [...menu.shadowRoot.querySelectorAll('[role=menuitemradio]')].map((item) => {
    const r = item.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const onScreen = r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
    const hit = menu.shadowRoot.elementFromPoint(x, y);
    return [item.textContent.trim(), onScreen && !!hit && item.contains(hit)];
  }); }"""

# On a phone the control bars may cover at most this share of the video. Two rows of touch
# targets at or above WCAG 2.2's 24 px minimum (a 26 px timeline, 36 px buttons) take
# 62 px of a 390 px wide 16:9 video's 219 px, 28 %; 30 % leaves the middle 70 % of the
# picture clear. The bars covered 42 % before.
PHONE_BARS_MAX_SHARE = 0.30


def test_phone_player_shows_every_quality_and_leaves_most_of_the_video_clear(
    user: User, clip_factory: Any, browser: Browser, run_transcode: Any
) -> None:
    # A 1080p source: five renditions and Auto, the longest quality list the ladder makes.
    source = clip_factory("clip-1080p-1s.mp4", size="1920x1080", seconds=1)
    video = run_transcode(create_video(user, source))
    assert video.renditions.count() == 5
    page = browser.new_page(None, "phone")
    page.goto(browser.url(f"/videos/{video.pk}/"))
    page.wait_for_function("() => document.querySelector('hls-video')?.readyState >= 2")

    share = page.evaluate(BARS_COVER)
    assert share <= PHONE_BARS_MAX_SHARE, f"the control bars cover {share:.0%} of the video"

    _open_quality_menu(page)
    page.wait_for_timeout(300)  # the submenu's slide-in transition, for the screenshot only
    page.screenshot(path="/tmp/onair-shots/video-quality-menu-phone.png")
    entries = page.evaluate(QUALITY_ENTRIES)
    assert [text for text, _ in entries] == ["1080p", "720p", "480p", "360p", "240p", "Auto (240p)"]
    assert all(visible for _, visible in entries), f"entries not fully visible: {entries}"

    # The first and the last entry work with a tap (a choice goes back to the settings).
    page.get_by_role("menuitemradio", name="1080p").click()
    page.wait_for_function(
        "() => { const api = document.querySelector('hls-video').api;"
        " return !api.autoLevelEnabled && api.levels[api.loadLevel].height === 1080; }"
    )
    _open_quality_menu(page)
    page.get_by_role("menuitemradio", name="Auto").click()
    # The choice reaches the media element. (hls-video-element 1.5.11 passes "Auto" on to
    # hls.js only when hls.js has a switch pending, so hls.js itself is not checked here.)
    page.wait_for_function(
        "() => document.querySelector('hls-video').videoRenditions.selectedIndex === -1"
    )
    page.problems.check(page)


def _open_quality_menu(page: Any) -> None:
    if page.locator("#player-settings").is_hidden():
        page.locator("media-settings-menu-button").click()
    page.locator("media-settings-menu-item", has_text="Quality").click()
    page.wait_for_function("() => document.activeElement?.closest('media-rendition-menu')")
