"""Benchmark: our one-pass HLS ladder against the same renditions encoded one run at a time.

A 20 s 1080p30 source is rendered first (ffmpeg's testsrc2 and a tone, high-quality x264 so
that reading it costs little). Both arms read that file with the same x264 preset, bitrates,
GOP, scaler and audio, both write fMP4 HLS:

(a) our pipeline: one ffmpeg pass (decode once, cascaded scalers) producing 1080/720/480/360;
(b) the baseline: the same four renditions as separate ffmpeg runs, one after another (each is
    our own command with a one-rung ladder, so every setting matches), plus one audio run.

Wall time and CPU time (children included) of each arm, PSNR of each arm's 360p rung against
the source scaled to 360p with the same scaler, then the figures as the last line:
``ratio=<a wall / b wall> cores_busy=<a CPU / (a wall x cores)> realtime=<20 / a wall>
psnr_delta_db=<a PSNR - b PSNR>``. Targets: ratio <= 0.70, cores_busy >= 0.85,
psnr_delta_db >= -0.5. Run with ``make bench NAME=transcode_ladder``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import imageio_ffmpeg

from catalog.transcoding.command import SCALER_FLAGS, ladder_command
from catalog.transcoding.ladder import Rung, plan_ladder

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SECONDS = 20
FPS = 30.0
HEIGHTS = (1080, 720, 480, 360)
PSNR_RE = re.compile(r"PSNR .*?average:(inf|[\d.]+)")


@dataclass
class Timing:
    """Wall-clock and CPU seconds (user + system of child processes) of one arm."""

    wall: float
    cpu: float


def run(cmd: list[str]) -> str:
    """Run ffmpeg, stop the benchmark with its last lines if it fails, return its stderr."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        sys.exit(f"ffmpeg failed ({proc.returncode}): {' '.join(cmd[:8])} ...\n{tail}")
    return proc.stderr


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


def render_source(path: Path, seconds: int) -> None:
    """Render the 1080p30 source: fast to decode, good enough not to limit quality."""
    run([
        FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={FPS:g}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "10", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "192k",
        str(path),
    ])  # fmt: skip


def one_pass(source: Path, out: Path, rungs: list[Rung], preset: str) -> list[list[str]]:
    """Arm (a): the pipeline's single ffmpeg command for the whole ladder."""
    out.mkdir()
    cmd = ladder_command(
        ffmpeg=FFMPEG, source=source, out_dir=out, rungs=rungs, fps=FPS,
        has_audio=True, preset=preset, progress=False,
    )  # fmt: skip
    return [cmd]


def separate_runs(source: Path, out: Path, rungs: list[Rung], preset: str) -> list[list[str]]:
    """Arm (b): one ffmpeg run per rung, then one for the audio, with identical settings."""
    commands = []
    for rung in rungs:
        rung_dir = out / rung.name
        rung_dir.mkdir(parents=True)
        commands.append(
            ladder_command(
                ffmpeg=FFMPEG,
                source=source,
                out_dir=rung_dir,
                rungs=[rung],
                fps=FPS,
                has_audio=False,
                preset=preset,
                progress=False,
            )
        )
    audio_dir = out / "audio"
    audio_dir.mkdir()
    commands.append(
        ladder_command(
            ffmpeg=FFMPEG,
            source=source,
            out_dir=audio_dir,
            rungs=[],
            fps=FPS,
            has_audio=True,
            preset=preset,
            progress=False,
        )
    )
    return commands


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


def psnr(source: Path, rendition: Path, rung: Rung) -> float:
    """Average PSNR of a rendition against the source scaled to its size, same scaler."""
    graph = (
        f"[0:v]setpts=PTS-STARTPTS[dist];"
        f"[1:v]fps={FPS:g},scale={rung.width}:{rung.height}:flags={SCALER_FLAGS},setsar=1,"
        f"format=yuv420p,setpts=PTS-STARTPTS[ref];"
        f"[dist][ref]psnr"
    )
    stderr = run([
        FFMPEG, "-hide_banner", "-nostats", "-i", str(rendition), "-i", str(source),
        "-filter_complex", graph, "-f", "null", "-",
    ])  # fmt: skip
    match = PSNR_RE.search(stderr)
    if not match:
        sys.exit(f"no PSNR in ffmpeg's output for {rendition}")
    return float(match.group(1))


def main() -> int:
    """Run both arms and print the figures, the last line as key=value pairs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=os.environ.get("TRANSCODE_PRESET", "veryfast"))
    parser.add_argument("--seconds", type=int, default=SECONDS, help="source length")
    parser.add_argument("--show-commands", action="store_true", help="print the ffmpeg commands")
    args = parser.parse_args()

    cores = len(os.sched_getaffinity(0))
    rungs = plan_ladder(1920, 1080, heights=HEIGHTS)
    low = rungs[-1]
    with tempfile.TemporaryDirectory(prefix="onair-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.mp4"
        print(f"source: {args.seconds} s 1920x1080 @ {FPS:g} fps (testsrc2 + 440 Hz tone)")
        render_source(source, args.seconds)
        ladder = ", ".join(f"{r.width}x{r.height}@{r.video_bitrate // 1000}k" for r in rungs)
        print(f"ladder: {ladder}; x264 preset {args.preset}, scaler {SCALER_FLAGS}; {cores} cores")

        arm_a = one_pass(source, work / "a", rungs, args.preset)
        arm_b = separate_runs(source, work / "b", rungs, args.preset)
        if args.show_commands:
            for cmd in arm_a + arm_b:
                print(" ".join(cmd[1:]))
        a = timed(arm_a)
        print(f"a one pass:      wall {a.wall:6.2f} s  cpu {a.cpu:6.2f} s")
        b = timed(arm_b)
        print(f"b separate runs: wall {b.wall:6.2f} s  cpu {b.cpu:6.2f} s  ({len(arm_b)} runs)")

        psnr_a = psnr(source, joined_rung(work / "a", low.name), low)
        psnr_b = psnr(source, joined_rung(work / "b" / low.name, low.name), low)
        print(f"PSNR {low.name}: a {psnr_a:.2f} dB, b {psnr_b:.2f} dB")

    print(
        f"ratio={a.wall / b.wall:.2f} cores_busy={a.cpu / (a.wall * cores):.2f} "
        f"realtime={args.seconds / a.wall:.2f} psnr_delta_db={psnr_a - psnr_b:.2f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
