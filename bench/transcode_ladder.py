"""Benchmark: our one-pass HLS ladder against the same renditions encoded one run at a time.

For each source (``--sources``; default both, see ``_sources.py``) it renders a 20 s 1080p30
H.264 file: ``testsrc2`` (ffmpeg's test picture) and ``camera`` (a Perlin-textured scene with
zoom, pan, a moving object and grain). Both are CRF 10 capped at 20 Mb/s: a high bitrate,
which makes the source dearer to decode, not cheaper; arm (b) pays that once per rung, so a
decode of each source is timed and printed too. Both arms read the file with the same x264
preset, bitrates, GOP, scaler and audio, and write fMP4 HLS, for the rungs the production
ladder has for a 1080p30 source (``plan_ladder``: 1080/720/480/360/240):

(a) our pipeline: one ffmpeg pass (decode once, cascaded scalers) producing every rung;
(b) the baseline: the same renditions as separate ffmpeg runs, one after another (each is
    our own command with a one-rung ladder, so every setting matches), plus one audio run.

The arms run twice in the order a b b a, so drift in the machine's load hits both alike;
wall and CPU times (children included) are the median of the two runs, which for two runs
is their mean. PSNR of every rung of each arm's first run against the source scaled to that
rung with the same scaler. The last line holds the figures, per source with the source's
name as suffix (``ratio_camera=``) and unsuffixed as the worst over the sources:
``ratio`` (a wall / b wall, max), ``cores_busy`` (a CPU / (a wall x cores), min),
``realtime`` (seconds / a wall, min), ``psnr_delta_db`` (a - b PSNR of the worst rung, min);
per source also ``cores_busy_b``. Targets, for every source: ratio <= 0.70,
cores_busy >= 0.85, psnr_delta_db >= -0.5. Run with ``make bench NAME=transcode_ladder``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _sources import FFMPEG, FPS, HEIGHT, SOURCES, WIDTH, run

from catalog.transcoding.command import SCALER_FLAGS, ladder_command
from catalog.transcoding.ladder import Rung, for_frame_rate, output_fps, plan_ladder

SECONDS = 20
ORDER = ("a", "b", "b", "a")  # alternating, so a slow spell costs both arms alike
PSNR_RE = re.compile(r"\[psnr@(\w+) @ [^]]*\] PSNR .*?average:(inf|[\d.]+)")


@dataclass
class Timing:
    """Wall-clock and CPU seconds (user + system of child processes) of one run."""

    wall: float
    cpu: float


def timed(commands: list[list[str]]) -> Timing:
    """Run commands one after another; measure wall time and the children's CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for cmd in commands:
        run(cmd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def median(timings: list[Timing]) -> Timing:
    """Return the median wall and CPU time (of two runs: their mean)."""
    return Timing(
        statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings)
    )


def command(source: Path, out: Path, rungs: list[Rung], has_audio: bool, preset: str) -> list[str]:
    """Build one run with production's own command, so the bench follows what it does."""
    out.mkdir(parents=True)
    return ladder_command(
        ffmpeg=FFMPEG, source=source, out_dir=out, rungs=rungs, fps=FPS,
        has_audio=has_audio, preset=preset, progress=False,
    )  # fmt: skip


def arm(name: str, source: Path, out: Path, rungs: list[Rung], preset: str) -> list[list[str]]:
    """Arm (a): one command for the whole ladder; (b): one per rung, then the audio alone."""
    if name == "a":
        return [command(source, out, rungs, True, preset)]
    runs = [command(source, out / rung.name, [rung], False, preset) for rung in rungs]
    return [*runs, command(source, out / "audio", [], True, preset)]


def joined_rung(folder: Path, name: str) -> Path:
    """Join a rung's fMP4 init segment and media segments into one playable file."""
    segments = sorted(folder.glob(f"{name}_[0-9]*.m4s"))
    init = folder / f"{name}_init.mp4"
    if not init.exists() or not segments:
        sys.exit(f"no {name} rendition in {folder}: {sorted(p.name for p in folder.iterdir())}")
    target = folder / f"{name}-joined.mp4"
    with target.open("wb") as dst:
        for part in (init, *segments):
            dst.write(part.read_bytes())
    return target


def psnr(source: Path, renditions: list[Path], rungs: list[Rung]) -> dict[str, float]:
    """Average PSNR of each rendition against the source scaled to its size, same scaler.

    One ffmpeg run per arm: the source is decoded once and split into one reference a rung.
    """
    inputs = [arg for path in (source, *renditions) for arg in ("-i", str(path))]
    refs = "".join(f"[ref{i}]" for i in range(len(rungs)))
    parts = [f"[0:v]fps={FPS:g},format=yuv420p,split={len(rungs)}{refs}"]
    for i, rung in enumerate(rungs):
        parts.append(
            f"[ref{i}]scale={rung.width}:{rung.height}:flags={SCALER_FLAGS},setsar=1,"
            f"format=yuv420p,setpts=PTS-STARTPTS[r{i}];"
            f"[{i + 1}:v]setpts=PTS-STARTPTS[d{i}];[d{i}][r{i}]psnr@r{rung.name}"
        )
    stderr = run([
        FFMPEG, "-hide_banner", "-nostats", *inputs,
        "-filter_complex", ";".join(parts), "-f", "null", "-",
    ])  # fmt: skip
    found = {f"{name[1:]}": float(value) for name, value in PSNR_RE.findall(stderr)}
    missing = [rung.name for rung in rungs if rung.name not in found]
    if missing:
        sys.exit(f"no PSNR for {', '.join(missing)} in ffmpeg's output")
    return {rung.name: found[rung.name] for rung in rungs}


def bench_source(
    name: str, work: Path, rungs: list[Rung], args: argparse.Namespace
) -> dict[str, float]:
    """Render one source, run a b b a, score every rung; return its figures by key."""
    describe, render = SOURCES[name]
    source = work / f"{name}.mp4"
    render(source, args.seconds)
    mbps = source.stat().st_size * 8 / args.seconds / 1e6
    decode = timed(
        [[FFMPEG, "-hide_banner", "-i", str(source), "-map", "0:v:0", "-f", "null", "-"]]
    )
    print(f"\n== {name}: {args.seconds} s {WIDTH}x{HEIGHT} @ {FPS:g} fps, {describe}")
    print(f"source {mbps:.1f} Mb/s; one decode: wall {decode.wall:.2f} s, cpu {decode.cpu:.2f} s")

    runs: dict[str, list[Timing]] = {"a": [], "b": []}
    for i, which in enumerate(ORDER, 1):
        commands = arm(which, source, work / f"{name}-{which}{i}", rungs, args.preset)
        if args.show_commands and i <= 2:
            for cmd in commands:
                print(" ".join(cmd[1:]))
        timing = timed(commands)
        runs[which].append(timing)
        print(f"run {i} {which}: wall {timing.wall:6.2f} s  cpu {timing.cpu:6.2f} s")
    a, b = median(runs["a"]), median(runs["b"])
    print(f"a one pass (median of 2 = mean):      wall {a.wall:6.2f} s  cpu {a.cpu:6.2f} s")
    print(
        f"b separate runs (median of 2 = mean): wall {b.wall:6.2f} s  cpu {b.cpu:6.2f} s  "
        f"({len(rungs) + 1} runs each)"
    )

    first_a, first_b = work / f"{name}-a1", work / f"{name}-b2"
    psnr_a = psnr(source, [joined_rung(first_a, r.name) for r in rungs], rungs)
    psnr_b = psnr(source, [joined_rung(first_b / r.name, r.name) for r in rungs], rungs)
    deltas = {r.name: psnr_a[r.name] - psnr_b[r.name] for r in rungs}
    for r in rungs:
        print(
            f"PSNR {name} {r.name}: a {psnr_a[r.name]:.2f} dB, b {psnr_b[r.name]:.2f} dB, "
            f"a-b {deltas[r.name]:+.2f} dB"
        )
    worst = min(deltas, key=lambda rung: deltas[rung])
    print(f"worst rung for {name}: {worst}")
    cores = len(os.sched_getaffinity(0))
    return {
        "ratio": a.wall / b.wall,
        "cores_busy": a.cpu / (a.wall * cores),
        "cores_busy_b": b.cpu / (b.wall * cores),
        "realtime": args.seconds / a.wall,
        "psnr_delta_db": deltas[worst],
    }


def main() -> int:
    """Run both arms on every source and print the figures, the last line as key=value."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=os.environ.get("TRANSCODE_PRESET", "veryfast"))
    parser.add_argument("--seconds", type=int, default=SECONDS, help="source length")
    parser.add_argument(
        "--sources", default=",".join(SOURCES), help=f"comma-separated, of {', '.join(SOURCES)}"
    )
    parser.add_argument("--show-commands", action="store_true", help="print the ffmpeg commands")
    args = parser.parse_args()
    names = [name.strip() for name in args.sources.split(",") if name.strip()]
    unknown = [name for name in names if name not in SOURCES]
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    if unknown or not names:
        parser.error(f"unknown source {', '.join(unknown)!r}; choose from {', '.join(SOURCES)}")

    # Exactly the rungs production plans for this source (transcoding/backends/ffmpeg.py).
    fps = output_fps(FPS)
    rungs = for_frame_rate(plan_ladder(WIDTH, HEIGHT), fps)
    ladder = ", ".join(f"{r.width}x{r.height}@{r.video_bitrate // 1000}k" for r in rungs)
    cores = len(os.sched_getaffinity(0))
    print(f"ladder: {ladder}; x264 preset {args.preset}, scaler {SCALER_FLAGS}; {cores} cores")
    print(f"order: {' '.join(ORDER)}; times are medians of 2 runs (= their mean)")

    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="onair-bench-") as tmp:
        for name in names:
            figures[name] = bench_source(name, Path(tmp), rungs, args)

    worst = {
        "ratio": max(f["ratio"] for f in figures.values()),
        "cores_busy": min(f["cores_busy"] for f in figures.values()),
        "realtime": min(f["realtime"] for f in figures.values()),
        "psnr_delta_db": min(f["psnr_delta_db"] for f in figures.values()),
    }
    pairs = [f"{key}={value:.2f}" for key, value in worst.items()]
    for name, values in figures.items():
        pairs += [f"{key}_{name}={value:.2f}" for key, value in values.items()]
    print(" ".join(pairs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
