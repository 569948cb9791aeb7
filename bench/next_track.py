"""Benchmark: time from "next" to first audio on /music/, and client memory after 100 tracks.

A throwaway site (SQLite and media in a temporary folder, uvicorn) holds two tracks put
through the real upload and transcode path: a 20 s song that plays first and a ~4-minute,
~10 MB MP3 (a synthesised drum loop at 320 kb/s) that comes next. Headless Chromium opens
/music/ with the network emulated as a phone's (4 Mb/s down, 100 ms round trip, through the
DevTools protocol's Network.emulateNetworkConditions), plays the first song and presses
"next" (the player's own handler). Each arm runs ``--runs`` times in a fresh browser context
(an empty HTTP cache):

- ``first_audio_s``: our HLS with preloading: "next" once the idle deck holds the long
  track's playlist and first segment, as it does a few seconds into any song.
- ``first_audio_cold_s``: the same with preloading switched off (the player's
  ``decks.preloading``): "next" fetches the playlists, init and first segment then.
- ``baseline_s``: the old design: download the whole MP3, then play it (fetch, blob, <audio>),
  from a plain HTTP server on loopback through the same emulated network.

"First audio" is when the new track's position first moves past zero (polled every 5 ms in
the page), timed from just before the call. ``client_mb_after_100``: the page then switches through
100 tracks (each played until 1 s of it has been heard, the next one preloaded meanwhile;
network unthrottled, ids made unique so each switch really loads the track anew) and the JS
heap after a garbage collection (CDP ``Runtime.getHeapUsage``) plus the media both decks
still buffer (buffered seconds at the rendition's bitrate) is reported in MB.
Last line: ``first_audio_s=… first_audio_cold_s=… baseline_s=… speedup=… client_mb_after_100=…``
(medians; speedup = baseline_s / first_audio_s). Run: ``make bench NAME=next_track``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _live_player import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from _live_stack import BenchError, site_env, start_web

LONG_SECONDS = 240
MP3_BITRATE = "320k"  # 4 min at 320 kb/s: the old app's ~10 MB files
NETWORK = {"offline": False, "latency": 100, "downloadThroughput": 4e6 / 8,
           "uploadThroughput": 1e6 / 8}  # fmt: skip
DEADLINE_MS = 60_000

# In the page: call "next" and resolve with the seconds to the new track's first audio.
NEXT = """async () => {
  const { decks, queue, playNext } = window.musicPlayer;
  const target = queue.upcoming[0];
  const before = decks.active;
  const t0 = performance.now();
  let reloaded = false; // the playing deck loaded the next track itself (no preload)
  await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no audio from the next track within 60 s')), 60000);
    before.addEventListener('loadedmetadata', () => { reloaded = true; });
    // Polled every 5 ms rather than on timeupdate, which Chromium fires only every 250 ms.
    const timer = setInterval(() => {
      const deck = decks.active;
      const isNext = decks.loaded.get(deck) === target.id && (deck !== before || reloaded);
      if (isNext && deck.currentTime > 0 && !deck.paused) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
    playNext();
  });
  return (performance.now() - t0) / 1000;
}"""

# What the player holds, for a message when a step times out.
STATE = """() => { const p = window.musicPlayer; if (!p) return 'no player';
  return { upcoming: p.queue.upcoming.map((t) => t.id), current: p.queue.current?.id,
    decks: p.decks.decks.map((d) => ({ src: d.getAttribute('src'), ready: d.readyState,
      time: d.currentTime, paused: d.paused, active: d === p.decks.active,
      loaded: p.decks.loaded.get(d), buffered: d.buffered.length && d.buffered.end(0) })) }; }"""

BASELINE_HTML = b"""<!doctype html><title>baseline</title><audio id="a"></audio>
<script>
window.baseline = async (url) => {
  const t0 = performance.now();
  const blob = await (await fetch(url, { cache: 'no-store' })).blob();
  const audio = document.getElementById('a');
  audio.src = URL.createObjectURL(blob);
  await new Promise((resolve) => {
    audio.addEventListener('timeupdate', () => audio.currentTime > 0 && resolve());
    audio.play();
  });
  return { seconds: (performance.now() - t0) / 1000, bytes: blob.size };
};
</script>"""

# In the page: switch through `count` tracks, each heard for `seconds`, preloading the next.
HUNDRED = """async ([count, seconds]) => {
  const { decks, library } = window.musicPlayer;
  const tracks = library.tracks.filter((t) => t.status === 'ready' && t.hls_url);
  const as = (i) => ({ ...tracks[i % tracks.length], id: `bench-${i}` });
  for (let i = 0; i < count; i++) {
    await decks.play(as(i), 0);
    decks.preload(as(i + 1));
    const deck = decks.active;
    await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error(`track ${i} did not play within 30 s`)), 30000);
      const check = () => deck.currentTime >= seconds && resolve();
      deck.addEventListener('timeupdate', check);
      check();
    });
  }
  let bytes = 0;
  for (const deck of decks.decks) {
    const level = deck.api?.levels?.[Math.max(0, deck.api.currentLevel)];
    for (let r = 0; r < deck.buffered.length; r++) {
      bytes += (deck.buffered.end(r) - deck.buffered.start(r)) * (level?.bitrate || 160000) / 8;
    }
  }
  return bytes;
}"""


def make_song(folder: Path, name: str, bpm: float, seconds: float, bitrate: str) -> Path:
    """Write a synthesised drum loop as an MP3 (the format the old app downloaded)."""
    from imageio_ffmpeg import get_ffmpeg_exe

    from catalog.music.synth import drum_loop, wav_bytes

    wav, mp3 = folder / f"{name}.wav", folder / f"{name}.mp3"
    wav.write_bytes(wav_bytes(drum_loop(bpm, seconds)))
    cmd = [get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-ac", "2", "-ar", "44100",
           "-c:a", "libmp3lame", "-b:a", bitrate, str(mp3)]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=300)
    wav.unlink()
    return mp3


def make_site(env: dict[str, str], folder: Path) -> Path:
    """Migrate, then upload and transcode the two tracks here; return the long MP3."""
    import os

    os.environ.update(env)
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import User
    from catalog import services, tasks
    from catalog.models import TranscodeJob
    from catalog.music import services as music_services

    call_command("migrate", verbosity=0, interactive=False)
    owner = User.objects.create_user("bench-listener", password=None)
    long_mp3 = make_song(folder, "long", 128, LONG_SECONDS, MP3_BITRATE)
    first = make_song(folder, "first", 128, 20, "192k")
    # Oldest first: the library lists newest first, so the short song is above the long one
    # and, with no tempo set, the long one follows it in the queue.
    for path, title in ((long_mp3, "Long run"), (first, "Warm-up")):
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        with mock.patch.object(services, "async_task"):
            video = music_services.track_create(owner=owner, file=upload, title=title)
        job = video.jobs.get(status=TranscodeJob.Status.QUEUED)
        started = time.monotonic()
        tasks.transcode(job.pk)
        video.refresh_from_db()
        if video.status != "ready":
            raise BenchError(f"{title} did not transcode: {video.error}")
        print(f"{title}: {path.stat().st_size / 1e6:.1f} MB MP3, transcoded in "
              f"{time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
    connections.close_all()  # the web server shares the SQLite file
    return long_mp3


def new_page(browser: Any, url: str, *, throttle: bool) -> Any:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if throttle:
        cdp.send("Network.emulateNetworkConditions", NETWORK)
    page.cdp = cdp
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.set_default_timeout(DEADLINE_MS)
    page.goto(url)
    return page


def wait(page: Any, condition: str, what: str) -> None:
    """Wait for ``condition`` in the page; a timeout raises BenchError with the page's errors."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition)
    except PlaywrightTimeout:
        errors = "\n".join(page.errors[-10:]) or "no errors in the page"
        errors += "\n" + str(page.evaluate(STATE))
        raise BenchError(f"timed out waiting for {what} on {page.url}:\n{errors}") from None


def next_track(browser: Any, base: str, *, preload: bool) -> float:
    """Play the short song, press next once the long one is (or is not) preloaded."""
    page = new_page(browser, f"{base}/music/", throttle=True)
    wait(page, "() => window.musicPlayer?.library.tracks.length === 2", "the library")
    page.evaluate(
        "(preload) => { const p = window.musicPlayer; p.decks.preloading = preload;"
        " p.playFrom(p.library.tracks[0]); }",
        preload,
    )
    wait(page, "() => window.musicPlayer.decks.active.currentTime > 0", "the first song")
    if preload:
        wait(
            page,
            "() => { const d = window.musicPlayer.decks;"
            " return d.isPreloaded(window.musicPlayer.queue.upcoming[0] || {})"
            " && d.idle.readyState >= 3; }",
            "the next track's preload",
        )
    from playwright.sync_api import Error as PlaywrightError

    try:
        seconds = float(page.evaluate(NEXT))
    except PlaywrightError as error:
        state = page.evaluate(STATE)
        raise BenchError(f"{error.message} ({'warm' if preload else 'cold'}): {state}") from None
    page.context.close()
    return seconds


class Quiet(http.server.SimpleHTTPRequestHandler):
    """A static file server that does not log every request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def baseline(browser: Any, folder: Path, mp3: Path) -> float:
    """Download the whole MP3, then play it, from a loopback HTTP server."""
    (folder / "baseline.html").write_bytes(BASELINE_HTML)
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        page = new_page(browser, f"{base}/baseline.html", throttle=True)
        found = page.evaluate("(url) => window.baseline(url)", f"{base}/{mp3.name}")
        page.context.close()
    finally:
        server.shutdown()
    return float(found["seconds"])


def memory_after(browser: Any, base: str, count: int) -> float:
    """Switch through ``count`` tracks; return the JS heap plus buffered media, in MB."""
    page = new_page(browser, f"{base}/music/", throttle=False)
    wait(page, "() => window.musicPlayer?.library.tracks.length === 2", "the library")
    media_bytes = float(page.evaluate(HUNDRED, [count, 1.0]))
    page.cdp.send("HeapProfiler.collectGarbage")
    heap = page.cdp.send("Runtime.getHeapUsage")
    page.context.close()
    print(f"after {count} tracks: JS heap {heap['usedSize'] / 1e6:.1f} MB, "
          f"media buffered {media_bytes / 1e6:.2f} MB", flush=True)  # fmt: skip
    return (heap["usedSize"] + media_bytes) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each arm (median)")
    parser.add_argument("--tracks", type=int, default=100, help="tracks for the memory figure")
    parser.add_argument("--site", type=Path, help="keep the site here and reuse it next time")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="bench-next-track-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        folder = args.site or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        env = site_env(folder)
        long_mp3 = folder / "long.mp3"
        if not (folder / "db.sqlite3").exists():
            long_mp3 = make_site(env, folder)
        _web, base = start_web(stack, env, folder)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            results: dict[str, list[float]] = {"warm": [], "cold": [], "baseline": []}
            for run in range(args.runs):
                results["warm"].append(next_track(browser, base, preload=True))
                results["cold"].append(next_track(browser, base, preload=False))
                print(f"run {run + 1}: now the baseline (the whole MP3)", flush=True)
                results["baseline"].append(baseline(browser, folder, long_mp3))
                print(f"run {run + 1}: " + ", ".join(
                    f"{arm} {values[-1]:.3f} s" for arm, values in results.items()
                ), flush=True)  # fmt: skip
            client_mb = memory_after(browser, base, args.tracks)
            browser.close()
    warm, cold, old = (statistics.median(results[k]) for k in ("warm", "cold", "baseline"))
    print(
        f"first_audio_s={warm:.3f} first_audio_cold_s={cold:.3f} baseline_s={old:.2f} "
        f"speedup={old / warm:.0f} client_mb_after_100={client_mb:.1f}"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"next_track: {error}", file=sys.stderr)
        sys.exit(1)
