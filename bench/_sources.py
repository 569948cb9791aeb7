"""The 1080p30 sources the transcode_ladder benchmark encodes (rendered with lavfi, no files).

Both are H.264 at CRF 10 capped at 20 Mb/s, about what a phone records 1080p30 H.264 at:
a cheap picture stays near lossless, a costly one is held to a realistic upload bitrate.
That is not cheap to decode; arm (b) decodes the source once per rung, so the benchmark
also times one decode of each source (see ``transcode_ladder.py``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
FPS = 30.0
WIDTH, HEIGHT = 1920, 1080
ENCODE = [
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "10",
    "-maxrate", "20M", "-bufsize", "40M", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "192k",
]  # fmt: skip
# The camera source pans over a still 1.5 times the frame: a zoom between 1 and 1.5 only
# ever scales it down (1.5 is 1:1), so the scene keeps its finest detail.
CANVAS = (2880, 1620)


def run(cmd: list[str]) -> str:
    """Run ffmpeg, stop the benchmark with its last lines if it fails, return its stderr."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        sys.exit(f"ffmpeg failed ({proc.returncode}): {' '.join(cmd[:8])} ...\n{tail}")
    return proc.stderr


def tone(seconds: int) -> list[str]:
    """Return the input arguments of a 440 Hz tone as long as the video."""
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]


def render_testsrc2(path: Path, seconds: int) -> None:
    """Render ffmpeg's testsrc2: flat colours, sharp edges, little motion (a cheap picture)."""
    run([
        FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS:g}:duration={seconds}",
        *tone(seconds), *ENCODE, str(path),
    ])  # fmt: skip


def render_texture(path: Path) -> None:
    """Render a still of Perlin noise: detail at every scale, as in foliage, skin or sky.

    Eight octaves from a few blobs across the frame down to ~6 px; chroma from two more
    Perlin fields so colour varies too. Stretched to full range so it is not a grey haze.
    """
    width, height = CANVAS
    common = "octaves=8:persistence=0.75:random_mode=seed:tscale=0:rate=1"
    luma = f"perlin=size={width}x{height}:xscale=4:yscale=2.25:seed=1:{common}"
    chroma = [
        f"perlin=size={width // 2}x{height // 2}:xscale=3:yscale=1.69:seed={seed}:{common}"
        for seed in (2, 3)
    ]
    run([
        FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", luma, "-f", "lavfi", "-i", chroma[0], "-f", "lavfi", "-i", chroma[1],
        "-filter_complex", "[0][1][2]mergeplanes=0x001020:yuv420p,normalize=smoothing=0",
        "-frames:v", "1", str(path),
    ])  # fmt: skip


def render_camera(path: Path, seconds: int) -> None:
    """Render footage-like video: a textured scene, camera motion, a moving object, grain.

    Closer to what people upload than testsrc2: the Perlin scene has detail at every scale
    (what scalers blur and what the 2:1-versus-4:3 scaling choice is about); a slow zoom and
    a wandering pan move every pixel in every frame; testsrc2 at 640x360 crosses the frame
    as an object with sharp edges moving against the background; temporal grain, like a
    sensor's, differs in every frame, so no encoder can copy a block from the last one.
    """
    texture = path.with_name(f"{path.stem}-texture.png")
    render_texture(texture)
    frames = round(seconds * FPS)
    # zoompan works in output frames (``on``); periods of 8, 11 and 9 s never line up.
    zoom = (
        f"zoompan=z='1.25+0.25*sin(2*PI*on/{8 * FPS:g})'"
        f":x='(iw-iw/zoom)*(0.5+0.5*sin(2*PI*on/{11 * FPS:g}))'"
        f":y='(ih-ih/zoom)*(0.5+0.5*cos(2*PI*on/{9 * FPS:g}))'"
        f":d=1:s={WIDTH}x{HEIGHT}:fps={FPS:g}"
    )
    travel = f"x='W*t/{max(seconds, 1)}-w/2':y='H/2+H/4*sin(t)-h/2'"
    graph = (
        f"[0:v]format=yuv420p,{zoom}[scene];"
        f"[scene][1:v]overlay={travel}:shortest=1,noise=alls=8:allf=t+u,format=yuv420p[v]"
    )
    run([
        FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
        "-loop", "1", "-framerate", f"{FPS:g}", "-i", str(texture),
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS:g}:duration={seconds}",
        *tone(seconds), "-filter_complex", graph, "-map", "[v]", "-map", "2:a",
        "-frames:v", str(frames), *ENCODE, str(path),
    ])  # fmt: skip
    texture.unlink()


SOURCES: dict[str, tuple[str, Callable[[Path, int], None]]] = {
    "testsrc2": ("ffmpeg's testsrc2 + 440 Hz tone", render_testsrc2),
    "camera": (
        "Perlin-textured scene with zoom and pan, a moving testsrc2 object, grain + tone",
        render_camera,
    ),
}
