"""What the moderation benchmark classifies: 720p JPEG frames and a mix of chat lines.

Frames: two of ffmpeg's ``testsrc2`` (flat colours, sharp edges, text), two of its
``mandelbrot`` (fine detail everywhere) and two landscapes drawn with Pillow (sky gradient,
sun, ridges, a lake with the sky's reflection, trees, sensor grain), each a 1280×720 JPEG at
about the quality the thumbnail sampler writes (ffmpeg ``-q:v 4``; Pillow quality 85).
NudeNet's work does not depend on the content (it scales every picture to 320×320), but
JPEG decoding does, and a grainy photo-like frame decodes slower than a flat test card.

Chat: ordinary lines of a live chat, about one in eight of them abuse the default policy
hides (each of those writes a Flag, which the benchmark counts as part of the cost).
"""

from __future__ import annotations

import io
import itertools
import random
import subprocess
import sys

import imageio_ffmpeg

WIDTH, HEIGHT = 1280, 720

CLEAN = [
    "hello everyone!",
    "gg well played",
    "lol",
    "that was fucking awesome",
    "holy shit that clutch",
    "what's the name of this song?",
    "first time here, great stream",
    "can you play the next track?",
    "how long have you been streaming?",
    "lol that jump scare got me",
    "kill the boss with the fire sword",
    "I died three times on that level too",
    "where are you streaming from?",
    "the audio is a bit out of sync for me",
    "F in the chat",
    "PogChamp",
    "is this a new map? never seen it before",
    "damn you're good at this",
    "who else is watching from work 😅",
    "that's what she said",
    "go left, there's a chest behind the waterfall",
    "@mod can you pin the schedule?",
    "you're fucking amazing, keep it up",
    "what the hell just happened lol",
    "nice shot!!!",
    "brb getting snacks",
    "this boss is hard as hell",
    "what settings do you use for the camera?",
    "hi from Brazil 🇧🇷",
    "the skyscraper level is insane",
    "200 IQ play right there",
    "could you turn the music down a little?",
    "😂😂😂",
    "when is the next stream?",
    "chat is moving so fast today",
]
ABUSIVE = [
    "you fucking idiot",
    "u r a b1tch",
    "go kill yourself",
    "k y s",
    "shut up you moron",
]


def chat_lines(count: int, seed: int = 7) -> list[str]:
    """``count`` lines in a fixed shuffled order: 35 clean to 5 abusive, round and round."""
    base = CLEAN + ABUSIVE
    order = random.Random(seed)
    lines: list[str] = []
    while len(lines) < count:
        batch = base[:]
        order.shuffle(batch)
        lines += batch
    return lines[:count]


def _ffmpeg_frame(source: str, seconds: float) -> bytes:
    """One 720p frame of a lavfi source at ``seconds``, as a JPEG (the sampler's -q:v 4)."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
        "-f", "lavfi", "-i", f"{source}=size={WIDTH}x{HEIGHT}:rate=1",
        "-ss", f"{seconds:g}", "-frames:v", "1", "-vf", "format=yuvj420p",
        "-q:v", "4", "-f", "image2pipe", "-c:v", "mjpeg", "-",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        sys.exit(f"ffmpeg could not render {source}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def _ridge(rng: random.Random, base: float, rough: float) -> list[float]:
    """A mountain skyline by midpoint displacement, one height per column."""
    points = [base + rng.uniform(-rough, rough), base + rng.uniform(-rough, rough)]
    spread = rough
    while len(points) < WIDTH:
        spread *= 0.55
        refined = []
        for left, right in itertools.pairwise(points):
            refined += [left, (left + right) / 2 + rng.uniform(-spread, spread)]
        points = [*refined, points[-1]]
    step = (len(points) - 1) / (WIDTH - 1)
    return [points[round(x * step)] for x in range(WIDTH)]


def landscape(seed: int) -> bytes:
    """A landscape photo's stand-in: sky, sun, three ridges, a lake, trees, grain."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    horizon = int(HEIGHT * rng.uniform(0.55, 0.65))
    y = np.linspace(0.0, 1.0, HEIGHT)[:, None, None]
    top, low = np.array([40, 90, 170]), np.array([250, 190, 140])
    sky = (top * (1 - y) + low * y) * np.ones((1, WIDTH, 1))
    image = Image.fromarray(sky.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    sun = (rng.randint(200, WIDTH - 200), rng.randint(80, horizon - 150))
    draw.ellipse([sun[0] - 45, sun[1] - 45, sun[0] + 45, sun[1] + 45], fill=(255, 236, 190))
    for layer, colour in enumerate([(120, 120, 150), (80, 95, 110), (45, 70, 60)]):
        skyline = _ridge(rng, horizon - 170 + layer * 55, 90 - layer * 20)
        draw.polygon([(0, HEIGHT), *enumerate(skyline), (WIDTH - 1, HEIGHT)], fill=colour)
    for _ in range(60):  # a line of conifers on the near shore
        x, h = rng.randint(0, WIDTH), rng.randint(25, 70)
        base = horizon + rng.randint(-6, 6)
        draw.polygon([(x - h // 4, base), (x, base - h), (x + h // 4, base)], fill=(20, 45, 30))
    lake = image.crop((0, 2 * horizon - HEIGHT, WIDTH, horizon)).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM
    )
    image.paste(lake.filter(ImageFilter.GaussianBlur(3)), (0, horizon))
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    pixels = np.asarray(image).astype(np.int16)
    grain = np.random.default_rng(seed).normal(0, 6, pixels.shape)
    image = Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def frames() -> dict[str, bytes]:
    """The six 720p JPEG frames, by name."""
    return {
        "testsrc2-0s": _ffmpeg_frame("testsrc2", 0),
        "testsrc2-7s": _ffmpeg_frame("testsrc2", 7),
        "mandelbrot-0s": _ffmpeg_frame("mandelbrot", 0),
        "mandelbrot-9s": _ffmpeg_frame("mandelbrot", 9),
        "landscape-1": landscape(1),
        "landscape-2": landscape(2),
    }
