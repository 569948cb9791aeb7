"""Choose the renditions of a video: the ladder, bitrates and the output frame rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

LADDER_HEIGHTS = (1080, 720, 480, 360, 240)

# Average video bitrates (bits/s) of a 16:9 rung at 30 fps, keyed by the short side.
BITRATES = {1080: 5_000_000, 720: 3_000_000, 480: 1_400_000, 360: 800_000, 240: 400_000}
MIN_VIDEO_BITRATE = 100_000
AUDIO_BITRATE = 128_000
# Peak and buffer sizes relative to the average (capped VBR; BANDWIDTH is measured later).
MAXRATE_FACTOR = 1.25
BUFSIZE_FACTOR = 2.0
MAX_FPS = 60.0
# A sparse source (a still picture over a podcast, or a cost bomb: frames at 0 s and 6 h)
# would have ffmpeg repeat frames to fill every second at the full rate. Output at most this
# many frames per frame in the file, but never fewer than STILL_FPS (one frame per 2 s
# keyframe interval), so the work follows what the file holds rather than its stated length.
MAX_DUPLICATION = 8
STILL_FPS = 0.5
LOW_FPS = 12.0  # below this, fewer frames need fewer bits: bitrates shrink with the rate
COMMON_RATES = (
    12.5,
    15.0,
    20.0,
    24000 / 1001,
    24.0,
    25.0,
    30000 / 1001,
    30.0,
    48.0,
    50.0,
    60000 / 1001,
    60.0,
)


@dataclass(frozen=True)
class Rung:
    """One rendition of the ladder; bitrates in bits per second."""

    width: int
    height: int
    video_bitrate: int
    maxrate: int
    bufsize: int

    @property
    def short_side(self) -> int:
        """Return the frame's shorter side, which names the rung (portrait video is common)."""
        return min(self.width, self.height)

    @property
    def name(self) -> str:
        """Name the rung by its short side, the way people name qualities (360p)."""
        return f"{self.short_side}p"


def even(value: float) -> int:
    """Round down to an even number of pixels (H.264 4:2:0 needs even sizes), at least 2."""
    return max(2, int(value) // 2 * 2)


def _bitrate(short: int, width: int, height: int) -> int:
    """Scale the table's bitrate for this short side by the frame's pixel count."""
    reference = min((h for h in BITRATES if h >= short), default=max(BITRATES))
    ref_pixels = reference * round(reference * 16 / 9)
    base = BITRATES[reference]
    ratio = (width * height) / ref_pixels
    if short < min(BITRATES):  # tiny source: bitrate follows its pixels all the way down
        return max(MIN_VIDEO_BITRATE, int(round(base * ratio, -3)))
    return max(MIN_VIDEO_BITRATE, int(round(base * min(max(ratio, 0.5), 1.5), -3)))


def make_rung(width: int, height: int) -> Rung:
    """Build a rung of the given size with bitrates from the table."""
    rate = _bitrate(min(width, height), width, height)
    return Rung(width, height, rate, round(rate * MAXRATE_FACTOR), round(rate * BUFSIZE_FACTOR))


def _scaled(width: int, height: int, short_target: int) -> tuple[int, int]:
    """Scale the frame so that its short side is ``short_target``, keeping the aspect."""
    if width >= height:
        return even(width * short_target / height), even(short_target)
    return even(short_target), even(height * short_target / width)


def plan_ladder(
    width: int, height: int, *, heights: tuple[int, ...] = LADDER_HEIGHTS
) -> list[Rung]:
    """Return the rungs for a frame: by its shorter side, never upscaled, at least one."""
    if width <= 0 or height <= 0:
        raise ValueError(f"invalid frame size {width}x{height}")
    short = min(width, height)
    targets = sorted({h for h in heights if h <= short}, reverse=True)
    if not targets:  # smaller than every rung: keep the source's own (even) size
        return [make_rung(even(width), even(height))]
    return [make_rung(*_scaled(width, height, target)) for target in targets]


def for_frame_rate(rungs: list[Rung], fps: float) -> list[Rung]:
    """Give high-frame-rate video (above 30 fps) half as many bits again, slow video fewer.

    A still picture at 0.5 fps with a 30 fps budget would spend megabytes on each frame.
    """
    if fps > 31:
        factor = 1.5
    elif fps < LOW_FPS:
        factor = max(fps, STILL_FPS) / LOW_FPS
    else:
        return rungs
    return [
        Rung(
            r.width,
            r.height,
            max(MIN_VIDEO_BITRATE, round(r.video_bitrate * factor)),
            max(round(MIN_VIDEO_BITRATE * MAXRATE_FACTOR), round(r.maxrate * factor)),
            max(round(MIN_VIDEO_BITRATE * BUFSIZE_FACTOR), round(r.bufsize * factor)),
        )
        for r in rungs
    ]


def output_fps(fps: float, *, frames: int = 0, duration: float = 0.0) -> float:
    """Pick the constant output rate: the source's, snapped to a common rate, at most 60.

    With ``frames`` (video frames in the file, as far as the probe counted) and
    ``duration``, a sparse source gets a lower rate: see MAX_DUPLICATION.
    """
    rate = _snapped(fps)
    if frames <= 0 or duration <= 0:
        return rate
    content = MAX_DUPLICATION * frames / duration
    if content >= rate:
        return rate
    common = [r for r in COMMON_RATES if r <= content]
    return common[-1] if common else max(STILL_FPS, math.floor(content * 2) / 2)


def _snapped(fps: float) -> float:
    if not math.isfinite(fps) or fps <= 0:
        return 30.0
    fps = min(fps, MAX_FPS)
    nearest = min(COMMON_RATES, key=lambda rate: abs(rate - fps))
    if abs(nearest - fps) / nearest < 0.02:
        return nearest
    return max(1.0, round(fps, 2))


def gop_frames(fps: float) -> int:
    """Frames between keyframes: two seconds, so every rung's segments line up."""
    return max(1, round(2 * fps))


def decide(
    *, has_video: bool, width: int, height: int, fps: float, frames: int, duration: float
) -> tuple[list[Rung], float]:
    """Return the rungs and output frame rate for a probed file (none for audio only).

    The one ladder decision every transcoder backend follows.
    """
    if not has_video:
        return [], 0.0
    rate = output_fps(fps, frames=frames, duration=duration)
    return for_frame_rate(plan_ladder(width, height), rate), rate
