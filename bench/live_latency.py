"""Benchmark: glass-to-glass latency of our live packaging against ffmpeg's HLS defaults, and
the CPU one live channel costs.

A throwaway site (SQLite, media and the packager's files in a temporary folder) runs as
production does on one machine: uvicorn, ``manage.py ingest`` and an encoder (ffmpeg, 720p30
H.264 at 2.5 Mb/s with a keyframe a second, AAC) publishing over RTMP in real time.

1. Copy only (``LIVE_TRANSCODE_LADDER=false``): CPU of the idle ingest, then of the ingest and
   its packager ffmpeg over a steady window while one channel streams.
2. Full ladder (the default: 720p copied, 480/360/240p encoded): the same CPU window; then
   headless Chromium plays, side by side, (a) the channel page /live/{slug}/ and (b) the
   baseline: the same frames as ffmpeg's HLS with its defaults (2 s MPEG-TS segments, a
   list of 5) and wall-clock program date times, written by the encoder itself, served by
   the same media view with the same headers and played with the same bundle and hls.js
   settings. Each page records ``Date.now() - hls.playingDate`` once a second, over
   ``--sessions`` players one after another (each a new player: see ``_live_player.sample``).

The last line holds the figures: ``p50_s``, ``p95_s`` (ours), ``baseline_p50_s``, ``cpu_copy``
and ``cpu_ladder`` (CPU seconds per wall second of the ingest process and its ffmpeg:
fractions of one core, the encoder excluded) and ``channels_per_machine``
(floor(2 cores x 0.8 / cpu_ladder)). Targets: p50 <= 4 s, cpu_copy <= 0.05.
Run with ``make bench NAME=live_latency`` (about 3 minutes); a smoke run:
``--seconds 6 --cpu-seconds 5 --idle-seconds 2 --settle 3``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _live_player as player
from _live_cpu import (
    Meter,
    children,
    main_thread,
    measure,
    one_process,
    other_threads,
    process_tree,
)
from _live_edge import EdgeWatcher
from _live_encoder import BASELINE_PLAYLIST, Encoder, pdt_anchor, publish
from _live_report import Channel, Results, report
from _live_stack import (
    BenchError,
    Child,
    get,
    make_site,
    packager_codecs,
    renditions,
    site_env,
    start_ingest,
    start_web,
    wait_live,
    wait_until,
)

SLUG_COPY, SLUG_LADDER = "bench-copy", "bench-ladder"
MIN_BASELINE_SEGMENTS = 3


@dataclass
class Run:
    """What every phase needs: arguments, the site's environment, folder and web server."""

    args: argparse.Namespace
    env: dict[str, str]
    folder: Path
    web: Child
    base: str
    keys: dict[str, str]
    baseline_prefix: str


def top_playlist(base: str, master: str) -> str:
    """Return the path of the first (top) rendition's live playlist a master playlist names."""
    names = [line for line in get(base + master).decode().splitlines() if line.endswith(".m3u8")]
    return f"{master.rsplit('/', 1)[0]}/{names[0]}"


def stream(
    stack: contextlib.ExitStack, run: Run, ingest: Child, port: int, slug: str, baseline: Path
) -> tuple[Channel, Encoder, str]:
    """Publish to ``slug``, wait until it is live and steady, measure its CPU.

    Return the channel's figures, the encoder and its top rendition's playlist (a URL path).
    """
    url = f"rtmp://127.0.0.1:{port}/live/{run.keys[slug]}"
    encoder = publish(stack, url, baseline, run.folder, slug)
    watched = [run.web, ingest, encoder.child]
    master = wait_live(run.base, slug, watched)
    time.sleep(run.args.settle)
    packagers = children(ingest.pid)
    print(f"  live at {master}; packager pid {packagers}; CPU over {run.args.cpu_seconds:g} s")
    usage = measure(
        {
            "ingest": one_process(ingest.pid),
            "loop thread": main_thread(ingest.pid),
            "other threads": other_threads(ingest.pid),
            "packager": process_tree(ingest.pid),
            "encoder": one_process(encoder.child.pid),
            "web": one_process(run.web.pid),
        },
        run.args.cpu_seconds,
    )
    for child in watched:
        child.check()
    top = top_playlist(run.base, master)
    stamp = pdt_anchor(get(run.base + top).decode()) - encoder.capture_anchor()
    made = renditions(run.base, master)
    load = os.getloadavg()[0]
    return Channel(usage, *packager_codecs(packagers), made, stamp, load), encoder, top


def copy_phase(run: Run) -> tuple[Channel, float]:
    """Copy only: the idle ingest's CPU, then one channel's."""
    print("== copy only (LIVE_TRANSCODE_LADDER=false)")
    with contextlib.ExitStack() as stack:
        ingest, port = start_ingest(stack, run.env, run.folder, ladder=False)
        print(f"  the ingest, idle: CPU over {run.args.idle_seconds:g} s")
        idle = measure({"ingest": one_process(ingest.pid)}, run.args.idle_seconds)
        channel, _, _ = stream(stack, run, ingest, port, SLUG_COPY, run.folder / "unused-hls")
    return channel, idle.cores("ingest")


def segments(url: str) -> int:
    try:
        return get(url).decode().count("#EXTINF")
    except OSError:
        return 0


def ladder_phase(run: Run, copy: Channel, idle: float) -> Results:
    """The full ladder: one channel's CPU, then both arms played side by side."""
    print("== full ladder (LIVE_TRANSCODE_LADDER=true, the default)")
    baseline_dir = Path(run.env["MEDIA_ROOT"]) / run.baseline_prefix
    baseline_url = f"{run.base}/media/{run.baseline_prefix}/{BASELINE_PLAYLIST}"
    with contextlib.ExitStack() as stack:
        ingest, port = start_ingest(stack, run.env, run.folder, ladder=True)
        ladder, encoder, top = stream(stack, run, ingest, port, SLUG_LADDER, baseline_dir)
        watched = [run.web, ingest, encoder.child]
        wait_until(
            lambda: segments(baseline_url) >= MIN_BASELINE_SEGMENTS, "ffmpeg's segments", watched
        )
        print(
            f"  both arms in Chromium: {run.args.seconds} samples over {run.args.sessions} "
            f"players, each after {run.args.settle:g} s to settle"
        )
        with player.chromium() as browser:
            pages = {
                "ours": player.open_player(browser, f"{run.base}/live/{SLUG_LADDER}/"),
                "baseline": player.open_player(
                    browser, run.base + player.BASELINE_PATH, player.baseline_page(baseline_url)
                ),
            }
            keys = player.config_keys()
            settings = {arm: player.settings_of(page, keys) for arm, page in pages.items()}
            media = Path(run.env["MEDIA_ROOT"])
            edges = EdgeWatcher(
                {
                    "ours": media / top.removeprefix("/media/"),
                    "baseline": baseline_dir / BASELINE_PLAYLIST,
                }
            )
            meter = Meter({"web": one_process(run.web.pid)})
            samples = player.sample(pages, run.args.seconds, run.args.sessions, run.args.settle)
            web = meter.stop().cores("web")
            edge = edges.stop()
            load = os.getloadavg()[0]
        for child in watched:
            child.check()
        baseline_stamp = pdt_anchor(get(baseline_url).decode()) - encoder.capture_anchor()
    return Results(copy, idle, ladder, samples, settings, baseline_stamp, web, load, edge)


def interrupted(signum: int, frame: object) -> NoReturn:
    """Take SIGTERM as Ctrl-C: unwind, so every process is stopped and the folder removed."""
    raise KeyboardInterrupt


def main() -> int:
    """Run both phases and print the figures, the last line as key=value."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="latency samples per arm")
    parser.add_argument("--cpu-seconds", type=float, default=30.0, help="CPU window per phase")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle ingest window")
    parser.add_argument("--sessions", type=int, default=3, help="players per arm, one by one")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before measuring")
    args = parser.parse_args()
    if not 1 <= args.sessions <= args.seconds // 2:
        parser.error("--seconds must give every session (--sessions) at least 2 samples")
    if min(args.cpu_seconds, args.idle_seconds) <= 0 or args.settle < 0:
        parser.error("the CPU windows must be longer than 0, --settle at least 0")
    signal.signal(signal.SIGTERM, interrupted)

    try:
        with tempfile.TemporaryDirectory(prefix="onair-bench-live-") as tmp:
            folder = Path(tmp)
            env = site_env(folder)
            site = make_site(env, [SLUG_COPY, SLUG_LADDER])
            with contextlib.ExitStack() as stack:
                web, base = start_web(stack, env, folder)
                run = Run(args, env, folder, web, base, site.keys, site.baseline_prefix)
                copy, idle = copy_phase(run)
                results = ladder_phase(run, copy, idle)
    except BenchError as exc:
        print(f"live_latency: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("live_latency: interrupted; its processes are stopped", file=sys.stderr)
        return 130
    figures = report(results)
    print(" ".join(f"{key}={value}" for key, value in figures.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
