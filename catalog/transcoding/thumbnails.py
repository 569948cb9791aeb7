"""Posters and seek-preview sprites (a grid of thumbnails with a WebVTT map)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from catalog.transcoding.command import input_args
from catalog.transcoding.ladder import even

POSTER_AT = 0.10  # a tenth in: past black openings and fade-ins
THUMB_BOX = 160  # thumbnails fit in a 160×160 box, aspect kept
MAX_THUMBS = 100
COLUMNS = 10
KEYFRAME_SECONDS = 2  # the ladder's keyframe interval: thumbnails sit on keyframes
WAVE_SIZE = (1280, 720)
WAVE_COLOR = "0x6ea8fe"
WAVE_BACKGROUND = "0x14161c"


@dataclass(frozen=True)
class SpritePlan:
    """Where each thumbnail of the sprite sits and when it applies."""

    interval: float  # seconds between thumbnails
    count: int
    thumb_width: int
    thumb_height: int
    columns: int

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.columns)

    @property
    def every_nth_keyframe(self) -> int:
        return max(1, round(self.interval / KEYFRAME_SECONDS))


def plan_sprite(duration: float, width: int, height: int) -> SpritePlan:
    """Pick one thumbnail every N seconds (N a multiple of the keyframe interval), ≤ 100."""
    step = KEYFRAME_SECONDS * max(1, math.ceil(duration / (MAX_THUMBS * KEYFRAME_SECONDS)))
    count = max(1, math.ceil(duration / step))
    if width >= height:
        tw, th = even(THUMB_BOX), even(THUMB_BOX * height / width)
    else:
        tw, th = even(THUMB_BOX * width / height), even(THUMB_BOX)
    return SpritePlan(step, count, tw, th, min(COLUMNS, count))


def sprite_command(ffmpeg: str, source: Path, plan: SpritePlan, out: Path) -> list[str]:
    """Tile keyframes of ``source`` (a low rendition: cheap to decode) into one image."""
    n = plan.every_nth_keyframe
    vf = (
        f"select='not(mod(n\\,{n}))',scale={plan.thumb_width}:{plan.thumb_height}:flags=bicubic,"
        f"setsar=1,tile={plan.columns}x{plan.rows}"
    )
    return [
        ffmpeg, "-hide_banner", "-loglevel", "warning", "-y",
        "-skip_frame", "nokey", *input_args(source, "hls", nested=("mov",)),
        "-vf", vf, "-frames:v", "1", "-q:v", "4", "-update", "1", str(out),
    ]  # fmt: skip


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def sprite_vtt(plan: SpritePlan, duration: float, image_name: str) -> str:
    """Map each time range to its cell (``sprite.jpg#xywh=x,y,w,h``, media-chrome's format)."""
    lines = ["WEBVTT", ""]
    for i in range(plan.count):
        start = i * plan.interval
        end = min((i + 1) * plan.interval, duration)
        if end <= start:
            break
        x = (i % plan.columns) * plan.thumb_width
        y = (i // plan.columns) * plan.thumb_height
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{image_name}#xywh={x},{y},{plan.thumb_width},{plan.thumb_height}",
            "",
        ]
    return "\n".join(lines)


def poster_command(
    ffmpeg: str, source: Path, duration: float, width: int, height: int, out: Path,
    demuxer: str = "",
) -> list[str]:  # fmt: skip
    """Grab the most typical frame of the second after ``POSTER_AT`` of the video."""
    at = f"{duration * POSTER_AT:.3f}"
    vf = f"thumbnail=25,scale={width}:{height}:flags=bicubic,setsar=1"
    return [
        ffmpeg, "-hide_banner", "-loglevel", "warning", "-y",
        "-ss", at, *input_args(source, demuxer), "-map", "0:V:0",
        "-vf", vf, "-frames:v", "1", "-q:v", "3", "-update", "1", str(out),
    ]  # fmt: skip


def cover_command(ffmpeg: str, source: Path, out: Path, demuxer: str = "") -> list[str]:
    """Use an audio file's embedded cover art as its poster."""
    return [
        ffmpeg, "-hide_banner", "-loglevel", "warning", "-y", *input_args(source, demuxer),
        "-map", "0:v:0", "-vf", "scale='min(1280,iw)':-2:flags=bicubic,format=yuvj420p",
        "-frames:v", "1", "-q:v", "3", "-update", "1", str(out),
    ]  # fmt: skip


def waveform_command(ffmpeg: str, source: Path, out: Path, demuxer: str = "") -> list[str]:
    """Draw the sound's waveform on a dark background as an audio file's poster."""
    w, h = WAVE_SIZE
    graph = (
        f"[0:a:0]aformat=channel_layouts=mono,"
        f"showwavespic=s={w}x{h}:colors={WAVE_COLOR}:scale=sqrt[wave];"
        f"color=c={WAVE_BACKGROUND}:s={w}x{h}[bg];"
        f"[bg][wave]overlay=format=auto:shortest=1,format=yuvj420p[out]"
    )
    return [
        ffmpeg, "-hide_banner", "-loglevel", "warning", "-y", *input_args(source, demuxer),
        "-filter_complex", graph, "-map", "[out]", "-frames:v", "1", "-q:v", "3",
        "-update", "1", str(out),
    ]  # fmt: skip
