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
from config.tests.browser import Browser

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]

VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nHello from the subtitles\n"


def open_with_english_subtitles(browser: Browser, video: Video) -> Any:
    """Give ``video`` an English subtitle track and open its page in a new browser page."""
    services.subtitle_set(
        video=video, language="en", label="English", file=ContentFile(VTT, name="en.vtt")
    )
    page = browser.new_page()
    page.goto(browser.url(f"/videos/{video.pk}/"))
    return page


def test_player_plays_switches_quality_and_shows_subtitles(
    ready_video: Video, browser: Browser
) -> None:
    page = open_with_english_subtitles(browser, ready_video)

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

    # Back to Auto: hls.js chooses the rung again (it kept the fixed one before player.js
    # handed the choice over).
    page.locator("media-settings-menu-button").click()
    page.locator("media-settings-menu-item", has_text="Quality").click()
    page.get_by_role("menuitemradio", name=re.compile("^Auto")).click()
    page.wait_for_function("() => document.querySelector('hls-video').api.autoLevelEnabled")
    page.keyboard.press("Escape")

    # Keyboard: media-chrome's shortcuts work once the player has focus.
    # Whether the video started muted depends on the browser's autoplay rules and on what
    # was clicked first; "m" flips it either way.
    page.locator("media-play-button").focus()
    muted = page.evaluate("document.querySelector('hls-video').muted")
    page.keyboard.press("m")
    page.wait_for_function("(was) => document.querySelector('hls-video').muted !== was", arg=muted)
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
