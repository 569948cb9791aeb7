"""Inspect an upload with PyAV before any transcoding: never trust the file's name."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error
from django.conf import settings

from catalog.errors import CatalogError
from catalog.transcoding.formats import MEDIA_FORMATS, PICTURE_FORMATS
from catalog.transcoding.ladder import MAX_DUPLICATION, MAX_FPS
from common.units import human_duration

MIN_SIDE = 16
MIN_DURATION = 0.1
FRAMES_TO_DECODE = 3
OPEN_OPTIONS = {
    "protocol_whitelist": "file",
    "format_whitelist": ",".join(MEDIA_FORMATS + PICTURE_FORMATS),
}


class ProbeError(CatalogError):
    """The file cannot become a video; ``str(error)`` is shown to its owner."""


@dataclass(frozen=True)
class MediaInfo:
    """What a media file holds; sizes are as displayed (after rotation and pixel aspect)."""

    duration: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    has_cover: bool = False
    demuxer: str = ""  # the format to read the file as (ffmpeg's -f), as the probe found it
    # Video packets counted (demuxed, never decoded), up to the number that shows the
    # frames really come at the declared rate: a sparse file has far fewer than that.
    video_frames: int = 0

    @property
    def audio_only(self) -> bool:
        """Tell whether there is sound but no moving picture."""
        return not self.has_video


def _unreadable(path: Path) -> ProbeError:
    with path.open("rb") as fh:
        head = fh.read(12)
    if head[4:8] == b"ftyp":  # an MP4/MOV whose index (moov) never arrived
        return ProbeError(
            "The file looks like an MP4 video but is incomplete or damaged; "
            "it may have been cut off during upload."
        )
    return ProbeError("This file is not a video or audio file that can be played.")


def _is_cover(stream: Any) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(container: Any, stream: Any) -> float | None:
    if container.duration and container.duration > 0:
        return float(container.duration / av.time_base)
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _scan_duration(container: Any, stream: Any) -> float:
    """Find the duration by reading every packet (files written without one, e.g. WebM)."""
    container.seek(0)
    first = last = None
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        end = float((packet.pts + (packet.duration or 0)) * stream.time_base)
        start = float(packet.pts * stream.time_base)
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    container.seek(0)
    return 0.0 if first is None or last is None else last - first


def _read_start(container: Any, stream: Any) -> list[Any]:
    """Decode the first frames (a file whose start cannot be decoded is damaged)."""
    frames: list[Any] = []
    for packet in container.demux(stream):
        frames.extend(packet.decode())
        if len(frames) >= FRAMES_TO_DECODE:
            break
    return frames


def _reaches_end(container: Any, stream: Any, duration: float) -> bool:
    """Seek near the end: a file cut short has an index that points past its last byte."""
    if duration < 1:
        return True
    try:
        container.seek(int(duration * 0.9 * av.time_base), any_frame=True)
    except av.error.FFmpegError:
        return True  # not seekable: nothing to tell from here
    start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    try:
        for count, packet in enumerate(container.demux(stream)):
            late = packet.pts is not None and packet.pts * stream.time_base - start >= duration / 2
            if packet.size and late:
                return True
            if count > 200:  # the seek landed early; the file may be fine
                return True
    except av.error.FFmpegError:
        return False
    return False


def _count_frames(container: Any, stream: Any, duration: float) -> int:
    """Count the video's packets, stopping once there are enough for any output rate.

    Demuxing only reads packet headers, so even the longest file allowed is counted in
    about a second; a sparse one (a still picture, or frames at 0 s and 6 h) is read whole.
    """
    enough = math.ceil(duration * MAX_FPS / MAX_DUPLICATION)
    container.seek(0)
    count = 0
    for packet in container.demux(stream):
        if packet.size:
            count += 1
            if count >= enough:
                break
    return count


def _check_size(width: int, height: int) -> None:
    limit = settings.MEDIA_MAX_DIMENSION
    if width > limit or height > limit:
        raise ProbeError(
            f"The picture is {width}×{height} pixels; the largest allowed is "
            f"{limit} pixels on each side."
        )
    if min(width, height) < MIN_SIDE:
        raise ProbeError(
            f"The picture is only {width}×{height} pixels; a video needs at least "
            f"{MIN_SIDE} pixels on each side."
        )


def _refuse_oversized(ctx: Any) -> None:
    """Refuse a picture whose (coded) size is over the limit, from the codec's parameters."""
    limit = settings.MEDIA_MAX_DIMENSION
    if ctx.width > limit or ctx.height > limit:
        _check_size(ctx.width, ctx.height)


def _check_duration(duration: float) -> None:
    limit = settings.MEDIA_MAX_DURATION_SECONDS
    if duration > limit:
        raise ProbeError(
            f"The file is {human_duration(duration)} long; the longest allowed is "
            f"{human_duration(limit)}."
        )
    if duration < MIN_DURATION:
        raise ProbeError("The file is too short to play.")


def _inspect(container: Any, path: Path) -> MediaInfo:
    if container.format.name in ("image2", "gif", "apng") or container.format.name.endswith(
        "_pipe"
    ):
        raise ProbeError("This file is a picture, not a video.")
    videos = [s for s in container.streams.video if not _is_cover(s)]
    video = videos[0] if videos else None
    audio = container.streams.audio[0] if container.streams.audio else None
    has_cover = any(_is_cover(s) for s in container.streams.video)
    if video is None and audio is None:
        raise ProbeError("The file has no video or sound in it.")
    if video is not None and video.codec_context is None:
        raise ProbeError("The video is encoded in a format (codec) that is not supported.")
    if audio is not None and audio.codec_context is None:
        raise ProbeError("The sound is encoded in a format (codec) that is not supported.")
    if video is not None:  # before any frame is decoded: a huge one can exhaust memory
        _refuse_oversized(video.codec_context)
        # Should a stream declare no size until its first frame, the decoder refuses it then
        # (the file is then reported as undecodable).
        limit = settings.MEDIA_MAX_DIMENSION
        video.codec_context.options = {"max_pixels": str(limit * limit)}
    primary = video if video is not None else audio
    duration = _duration(container, primary) or _scan_duration(container, primary)
    _check_duration(duration)

    try:
        frames = _read_start(container, primary)
    except av.error.FFmpegError as exc:
        raise ProbeError("The file is damaged: its first frames cannot be decoded.") from exc
    if not frames:
        raise ProbeError("The file is damaged or incomplete: no frame in it can be decoded.")
    if not _reaches_end(container, primary, duration):
        raise ProbeError(
            "The file is incomplete: it ends before its stated length "
            "(it may have been cut off during upload)."
        )
    demuxer = container.format.name.split(",")[0]
    if video is None:
        return MediaInfo(
            duration=duration, has_video=False, has_audio=True, has_cover=has_cover, demuxer=demuxer
        )

    ctx = video.codec_context
    _check_size(ctx.width, ctx.height)
    rotation = round(getattr(frames[0], "rotation", 0) or 0) % 360
    sar = video.sample_aspect_ratio
    width = round(ctx.width * float(sar)) if sar and float(sar) > 0 else ctx.width
    height = ctx.height
    if rotation in (90, 270):
        width, height = height, width
    _check_size(width, height)
    rate = video.average_rate or video.guessed_rate or video.base_rate
    return MediaInfo(
        duration=duration,
        has_video=True,
        has_audio=audio is not None,
        width=width,
        height=height,
        fps=float(rate) if rate else 0.0,
        has_cover=has_cover,
        demuxer=demuxer,
        video_frames=_count_frames(container, video, duration),
    )


def probe(path: Path) -> MediaInfo:
    """Inspect ``path``; raise ProbeError with a message for the owner if it cannot be used."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ProbeError("The uploaded file is missing.") from exc
    if size == 0:
        raise ProbeError("The file is empty (0 bytes).")
    try:
        # Only this local file, read by a demuxer for media: a playlist or script disguised
        # as a video (HLS, DASH, ffconcat) is refused before it can open what it names.
        container = av.open(str(path), container_options=OPEN_OPTIONS)
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise _unreadable(path) from exc
    with container:
        try:
            return _inspect(container, path)
        except av.error.FFmpegError as exc:
            raise ProbeError("The file is damaged and cannot be read.") from exc
