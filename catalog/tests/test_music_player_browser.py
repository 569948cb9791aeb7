"""Headless Chromium on /music/: playback, the preloaded next track, tempo input, axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import User
from catalog.models import Video
from catalog.tests.conftest import run_transcode
from catalog.tests.music_helpers import create_track, make_song
from config.tests.browser import Browser

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]

# Both decks report when a track ends and when one starts playing, on the page's clock.
WATCH_DECKS = """() => {
  window.__ended = []; window.__playing = [];
  for (const deck of document.querySelectorAll('hls-video')) {
    deck.addEventListener('ended', () => __ended.push(performance.now()));
    deck.addEventListener('playing', () => __playing.push(
      { at: performance.now(), src: deck.getAttribute('src') }));
  }
}"""


def ready_track(user: User, path: Path, title: str) -> Video:
    video = run_transcode(create_track(user, path, title=title, artist="The Testers"))
    assert video.status == Video.Status.READY, video.error
    return video


def test_music_page_plays_and_starts_the_preloaded_next_track_at_once(
    user: User, clip_dir: Path, browser: Browser
) -> None:
    # Runner at 170 steps a minute: 86 and 84 BPM match at double time. (What the tempo query
    # leaves out is the API tests' concern: a third transcode here would cost ~20 s.)
    first = ready_track(user, make_song(clip_dir / "loop86.m4a", 86, seconds=8), "Stride")
    second = ready_track(user, make_song(clip_dir / "loop84.m4a", 84, seconds=8), "Pace")
    browser.assert_pages_ok({"music": "/music/"}, user=user)

    page = browser.new_page(user)
    page.goto(browser.url("/music/"))
    page.get_by_role("button", name="Play Stride by The Testers").wait_for()
    page.get_by_label("Steps or beats a minute").fill("170")
    page.get_by_label("Steps or beats a minute").press("Enter")  # a change event
    page.evaluate(WATCH_DECKS)
    page.get_by_role("button", name="Play Stride by The Testers").click()

    # It plays; the queue holds the other matching track only, already in the idle deck.
    page.wait_for_function("() => musicPlayer.decks.active.currentTime > 1", timeout=15000)
    assert page.locator("[data-now-title]").inner_text() == "Stride"
    first_bpm, second_bpm = first.track.bpm, second.track.bpm
    assert first_bpm is not None and second_bpm is not None
    assert page.locator("[data-now-bpm]").inner_text() == f"{round(first_bpm)} BPM"
    assert page.locator("[data-queue] li").all_inner_texts() == [
        f"Pace\nThe Testers · 0:08 · {round(second_bpm)} BPM"
    ]
    page.wait_for_function("() => musicPlayer.decks.idle.readyState >= 3", timeout=10000)
    assert page.evaluate("navigator.mediaSession.metadata.title") == "Stride"
    assert page.get_by_role("button", name="Pause").is_visible()
    # Seek with the position slider to 2 s before the end.
    page.get_by_label("Position in the track").fill("6")
    page.wait_for_function("() => musicPlayer.decks.active.currentTime >= 6")

    # The natural end starts the next track; the gap is measured in the page.
    page.wait_for_function(
        "() => __ended.length >= 1 && __playing.some((p) => p.at >= __ended[0])", timeout=15000
    )
    ended, playing = page.evaluate("[__ended[0], __playing]")
    assert str(first.pk) in playing[0]["src"]
    started = next(p for p in playing if p["at"] >= ended)  # ("playing" also follows a seek)
    assert str(second.pk) in started["src"]
    gap_ms = started["at"] - ended
    assert 0 <= gap_ms < 300, f"{gap_ms:.0f} ms between the tracks"
    print(f"gap between the tracks: {gap_ms:.0f} ms")
    assert page.locator("[data-now-title]").inner_text() == "Pace"
    page.wait_for_function("() => musicPlayer.decks.active.currentTime > 0.5")

    # Its media segment was fetched while the first track still played: preloaded.
    fetched = page.evaluate(
        "(id) => performance.getEntriesByType('resource')"
        ".filter((r) => r.name.includes(id) && r.name.endsWith('.m4s'))"
        ".map((r) => r.startTime)",
        str(second.pk),
    )
    assert fetched and min(fetched) < ended
    # Nothing matches after it: the queue says so rather than repeating a track.
    page.wait_for_selector("text=Nothing more matches this tempo")
    page.problems.check(page)


def test_tempo_from_taps_and_steps_and_loudness_levelling(browser: Browser) -> None:
    page: Any = browser.new_page()
    page.goto(browser.url("/music/"))
    found = page.evaluate(
        """async () => {
          const t = await import('/static/js/music-tempo.js');
          const taps = new t.TapTempo();
          const tapped = [0, 500, 1000, 1500, 2000].map((ms) => taps.tap(ms));
          const late = taps.tap(2530);  // one late tap moves the median little
          const afterPause = taps.tap(6000);  // a long pause starts a new count
          // A runner at 170 steps a minute, sensed at 60 Hz: gravity plus a strike each step,
          // with a little noise, for ten seconds.
          const steps = new t.StepCadence();
          let cadence = null;
          const period = 60000 / 170;
          for (let ms = 0; ms < 10000; ms += 1000 / 60) {
            const phase = (ms % period) / period;
            const strike = phase < 0.15 ? 9 * Math.sin(Math.PI * phase / 0.15) : 0;
            const noise = 0.3 * Math.sin(ms / 7);
            cadence = steps.push(ms, 0.4, 9.81 + strike + noise, 0.8);
          }
          const standing = new t.StepCadence();
          let still = null;
          for (let ms = 0; ms < 5000; ms += 1000 / 60) {
            still = standing.push(ms, 0.1, 9.81 + 0.2 * Math.sin(ms / 9), 0.2);
          }
          return {
            tapped, late, afterPause, cadence, still,
            gains: [-10, -16, -30, 10, null].map((lufs) => t.levelGain(lufs)),
          };
        }"""
    )
    assert found["tapped"] == [None, None, 120, 120, 120]
    assert found["late"] == 120 and found["afterPause"] is None
    assert abs(found["cadence"] - 170) <= 2 and found["still"] is None
    loud, on_target, quiet, absurd, unknown = found["gains"]
    assert loud == pytest.approx(0.501, abs=0.001)  # 6 dB too loud: half the amplitude
    assert on_target == 1 and quiet == 1 and unknown == 1
    assert absurd == pytest.approx(0.2)  # clamped: a mismeasured track is never near-muted


def test_tap_button_sets_the_tempo_and_keyboard_reaches_the_controls(
    browser: Browser,
) -> None:
    page: Any = browser.new_page(viewport="phone")
    page.goto(browser.url("/music/"))
    page.wait_for_selector("text=No tracks yet")
    tap = page.get_by_role("button", name="Tap the beat")
    tap.focus()
    for _ in range(4):
        page.keyboard.press("Enter")
    value = page.get_by_label("Steps or beats a minute").input_value()
    assert value and 40 <= int(value) <= 240  # keyboard taps are fast: the clamp holds
    # Every control is a labelled, focusable element.
    for name in ("Previous track", "Play", "Next track"):
        assert page.get_by_role("button", name=name, exact=True).is_enabled()
    assert page.get_by_role("slider", name="Volume").is_visible()
    page.problems.check(page, axe=False)


def test_follow_my_steps_on_a_phone_sets_the_tempo_from_the_motion_sensor(
    browser: Browser,
) -> None:
    # A touch phone: the button is offered there only (desktop Chromium has the API too).
    context = browser.chromium.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.goto(browser.url("/music/"))
    button = page.get_by_role("button", name="Follow my steps")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    # Ten seconds of a runner at 172 steps a minute, as the sensor reports it (60 Hz), on a
    # made-up clock so that the test takes no ten seconds.
    page.evaluate(
        """() => {
          let now = 0;
          performance.now = () => now;
          const period = 60000 / 172;
          for (; now < 10000; now += 1000 / 60) {
            const phase = (now % period) / period;
            const strike = phase < 0.15 ? 9 * Math.sin(Math.PI * phase / 0.15) : 0;
            window.dispatchEvent(new DeviceMotionEvent('devicemotion', {
              accelerationIncludingGravity: { x: 0.3, y: 9.81 + strike, z: 0.5 },
            }));
          }
        }"""
    )
    bpm = int(page.get_by_label("Steps or beats a minute").input_value())
    assert abs(bpm - 172) <= 2
    button.click()  # off again: no more listening
    assert button.get_attribute("aria-pressed") == "false"
    context.close()


def test_follow_my_steps_is_not_offered_without_a_touch_screen(browser: Browser) -> None:
    page: Any = browser.new_page()
    page.goto(browser.url("/music/"))
    page.wait_for_selector("text=No tracks yet")
    assert page.get_by_role("button", name="Follow my steps").count() == 0


def test_library_says_when_the_server_cannot_answer(browser: Browser) -> None:
    page: Any = browser.new_page()
    page.route(
        "**/api/tracks/",
        lambda route: route.fulfill(
            status=503, json={"detail": "The database is busy. Try again in a minute."}
        ),
    )
    page.goto(browser.url("/music/"))
    status = page.locator("[data-library-status]")
    status.get_by_text("The database is busy. Try again in a minute.").wait_for()
    assert page.locator("[data-library] li").count() == 0
    # Chromium logs every 5xx answer to the console; this one was provoked on purpose.
    page.problems.seen = [s for s in page.problems.seen if "status of 503" not in s]
    page.problems.check(page, axe=False)
