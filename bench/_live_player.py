"""Headless Chromium watching live streams with hls.js, reporting glass-to-glass latency.

Latency here is ``Date.now() - hls.playingDate``: the wall clock minus the wall time of the
frame on screen, which hls.js works out from the playlist's EXT-X-PROGRAM-DATE-TIME and the
playback position. Browser, servers and encoder share this machine's clock.

Our arm plays the channel page itself (/live/{slug}/: live.js and the player bundle). The
baseline plays ffmpeg's playlist on a page this script serves on the same origin, with the
same bundle (hls-video-element, hls.js) and the same hls.js settings, copied from live.js at
run time: only the packaging differs between the arms.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _live_stack import ROOT, BenchError

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright cannot download one here
BUNDLE = ROOT / "build/static/vendor/player-bundle.js"
LIVE_JS = ROOT / "static/js/live.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 720}
BASELINE_PATH = "/bench-live-latency/baseline/"  # answered by the route below, not by Django
START_MS = 60_000  # a deadline for the player to start playing

PLAYING = """() => {
  const media = document.querySelector("hls-video");
  return Boolean(media?.api?.playingDate && media.currentTime > 0 && !media.paused);
}"""

# Runs in the page: a sample a second, kept in window.__bench until Python collects them.
# hls.latency is hls.js's own estimate (the playlist's edge, aged by the time since the
# playlist last grew, minus the playhead); the rest of the glass-to-glass figure is how late
# the player saw that edge after its media ended (packaging, then its next playlist reload).
SAMPLER = """(count) => {
  const media = document.querySelector("hls-video");
  const hls = media.api;
  const state = (window.__bench = { latency: [], behindEdge: [], heights: [], stalls: 0 });
  (media.nativeEl || media).addEventListener("waiting", () => { state.stalls += 1; });
  const timer = setInterval(() => {
    const date = hls.playingDate;
    if (!date) return;
    state.latency.push((Date.now() - date.getTime()) / 1000);
    state.behindEdge.push(hls.latency);
    state.heights.push(hls.levels[hls.currentLevel]?.height ?? 0);
    if (state.latency.length >= count) { clearInterval(timer); state.done = true; }
  }, 1000);
}"""


def live_config() -> str:
    """Return the hls.js settings object of the channel page, as JavaScript source."""
    match = re.search(r"const LIVE_HLS_CONFIG = (\{.*?\n\});", LIVE_JS.read_text(), re.S)
    if match is None:
        raise BenchError(f"no LIVE_HLS_CONFIG object in {LIVE_JS}: update bench/_live_player.py")
    return match.group(1)


def baseline_page(playlist_url: str) -> str:
    """A page that starts the player as live.js does: settings first, then the source."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>baseline</title></head>
<body style="margin:0;background:#000">
<hls-video crossorigin playsinline muted style="display:block;width:100%"></hls-video>
<script type="module">
const LIVE_HLS_CONFIG = {live_config()};
const media = document.querySelector("hls-video");
media.config = LIVE_HLS_CONFIG;
media.setAttribute("src", {json.dumps(playlist_url)});
media.addEventListener("canplay", () => media.play().catch(() => {{}}), {{ once: true }});
</script>
<script type="module" src="/static/vendor/player-bundle.js"></script>
</body></html>
"""


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Launch headless Chromium; closed (and its processes gone) on the way out."""
    if not CHROMIUM.exists():
        raise BenchError(f"{CHROMIUM} is missing: install Debian's chromium package")
    if not BUNDLE.exists():
        raise BenchError(f"{BUNDLE} is missing: run `make assets`")
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        except Error as exc:  # a player that never started, a page that failed: say which
            raise BenchError(f"in Chromium: {exc}") from exc
        finally:
            browser.close()


def open_player(browser: Any, url: str, baseline_html: str | None = None) -> Any:
    """Open ``url`` in a window of its own (no tab is a background tab) and start playing."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    if baseline_html is not None:
        page.route(url, lambda route: route.fulfill(body=baseline_html, content_type="text/html"))
    page.goto(url)
    start_playing(page)
    return page


def start_playing(page: Any) -> None:
    """Wait for the page's player to play (muted: there is no one to hear it)."""
    page.wait_for_selector("hls-video", state="attached", timeout=START_MS)
    page.evaluate("document.querySelector('hls-video').muted = true")
    page.wait_for_function(PLAYING, timeout=START_MS)


def settings_of(page: Any, keys: list[str]) -> dict[str, Any]:
    """Return the hls.js settings the page's player runs with (after hls-video-element)."""
    return dict(
        page.evaluate(
            "(keys) => { const c = document.querySelector('hls-video').api.config;"
            " return Object.fromEntries(keys.map((k) => [k, c[k]])); }",
            keys,
        )
    )


def config_keys() -> list[str]:
    return re.findall(r"^\s+(\w+):", live_config(), re.M)


def _session(pages: dict[str, Any], count: int) -> dict[str, dict[str, Any]]:
    """Take ``count`` samples a second apart in every page at once; return them by arm."""
    for page in pages.values():
        page.evaluate(SAMPLER, count)
    results = {}
    for arm, page in pages.items():
        page.wait_for_function("() => window.__bench?.done", timeout=(count + 60) * 1000)
        results[arm] = dict(page.evaluate("window.__bench"))
    return results


def sample(
    pages: dict[str, Any], count: int, sessions: int, settle: float
) -> dict[str, dict[str, Any]]:
    """Sample every page ``count`` times in all, over ``sessions`` plays of the stream.

    The latency a player settles at depends on when it reloads the playlist relative to the
    packager's updates, a phase each new player draws at random (within one segment), so
    each session is a new player (the page reloaded) and settles for ``settle`` seconds.
    """
    results: dict[str, dict[str, Any]] = {
        arm: {"latency": [], "behindEdge": [], "heights": [], "stalls": 0, "sessions": []}
        for arm in pages
    }
    for number in range(sessions):
        if number:
            for page in pages.values():
                page.reload()
                start_playing(page)
        time.sleep(settle)
        share = count // sessions + (number < count % sessions)
        for arm, found in _session(pages, share).items():
            total = results[arm]
            for key in ("latency", "behindEdge", "heights"):
                total[key] += found[key]
            total["stalls"] += found["stalls"]
            total["sessions"].append(found["latency"])
    return results
