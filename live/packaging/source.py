"""Learn what a live stream holds from its first FLV bytes: size, rate, codecs, keyframes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import av
import av.error
from django.conf import settings

from live.errors import LiveError

# Buffer this much media (by the FLV timestamps) or this many keyframes, whichever comes
# first, before probing: enough for the codec parameters and a frame rate, short enough
# that the first segments are not held back long (ffmpeg catches up on the burst).
PROBE_SECONDS = 2.0
PROBE_KEYFRAMES = 2
PROBE_MAX_BYTES = 8 * 1024 * 1024  # a hostile or very high-rate stream cannot grow it past this
FLV_SIGNATURE = b"FLV"
FLV_HEADER_BYTES = 9
TAG_HEADER_BYTES = 11
PREVIOUS_SIZE_BYTES = 4
AUDIO, VIDEO = 8, 9
KEYFRAME = 1
AVC_CODEC_IDS = (7, 12)  # H.264, and HEVC as the pre-"enhanced RTMP" encoders sent it
AVC_NALU = 1  # the AVC packet type of pictures (0 is the sequence header, 2 its end)
CODED_FRAMES = (1, 3)  # enhanced RTMP's packet types that carry pictures
OPEN_OPTIONS = {"format_whitelist": "flv"}  # a pinned demuxer: the bytes are read as FLV only


class SourceError(LiveError):
    """The stream cannot be packaged; ``str(error)`` is for the streamer."""


@dataclass(frozen=True)
class SourceInfo:
    """What the published stream holds; bitrate in bits per second."""

    width: int
    height: int
    fps: float
    video_codec: str  # ffmpeg's codec name ("h264"); empty without video
    audio_codec: str  # "aac"; empty without audio
    bitrate: int
    has_video: bool
    has_audio: bool
    keyframe_interval: float | None  # seconds between the last two keyframes, if seen
    pixel_format: str = ""
    audio_profile: str = ""  # "LC", "HE-AAC"...


class FlvScanner:
    """Follow an FLV byte stream tag by tag without keeping it: timestamps and keyframes.

    Only tag headers (and the first two bytes of a video tag) are looked at, so it costs
    next to nothing per byte and holds no media in memory, whatever the tags' sizes.
    """

    def __init__(self) -> None:
        self.bytes_seen = 0
        self.media_bytes = 0
        self.first_ts: int | None = None
        self.last_ts = 0
        self.keyframes = 0
        self.keyframe_interval: float | None = None
        # (timestamp, media bytes before it) of the first and the latest keyframe: the
        # bitrate over whole keyframe intervals, which the large first keyframe cannot skew.
        self.first_keyframe: tuple[int, int] | None = None
        self.last_keyframe: tuple[int, int] | None = None
        self._pending = bytearray()
        self._need = FLV_HEADER_BYTES + PREVIOUS_SIZE_BYTES
        self._state = "header"
        self._skip = 0
        self._tag = (0, 0, 0)  # type, data size, timestamp

    def feed(self, data: bytes) -> None:
        """Advance over ``data``; raise SourceError if it is not FLV."""
        self.bytes_seen += len(data)
        view = memoryview(data)
        while view:
            if self._skip:
                step = min(self._skip, len(view))
                self._skip -= step
                view = view[step:]
                continue
            take = min(self._need - len(self._pending), len(view))
            self._pending += view[:take]
            view = view[take:]
            if len(self._pending) == self._need:
                chunk = bytes(self._pending)
                self._pending.clear()
                self._advance(chunk)

    def _advance(self, chunk: bytes) -> None:
        if self._state == "header":
            if chunk[:3] != FLV_SIGNATURE:
                raise SourceError("The stream is not FLV video, as RTMP encoders send it.")
            offset = int.from_bytes(chunk[5:9], "big")
            self._skip = max(0, offset - FLV_HEADER_BYTES)
            self._expect("tag", TAG_HEADER_BYTES)
        elif self._state == "tag":
            kind, size = chunk[0] & 0x1F, int.from_bytes(chunk[1:4], "big")
            ts = int.from_bytes(chunk[4:7], "big") | chunk[7] << 24
            self._tag = (kind, size, ts)
            if kind == VIDEO and size >= 2:
                self._expect("video", 2)
            else:
                self._data_done(size, keyframe=False)
        elif self._state == "video":
            self._data_done(self._tag[1] - 2, keyframe=self._is_keyframe(chunk))
        else:  # the previous tag's size
            self._expect("tag", TAG_HEADER_BYTES)

    def _expect(self, state: str, need: int) -> None:
        self._state, self._need = state, need

    @staticmethod
    def _is_keyframe(head: bytes) -> bool:
        """Tell a keyframe with a picture from a sequence start or end (also marked "key")."""
        if head[0] & 0x80:  # enhanced RTMP: the packet type sits in the low bits
            return (head[0] >> 4) & 0x07 == KEYFRAME and head[0] & 0x0F in CODED_FRAMES
        if head[0] >> 4 != KEYFRAME:
            return False
        return head[0] & 0x0F not in AVC_CODEC_IDS or head[1] == AVC_NALU

    def _data_done(self, remaining: int, *, keyframe: bool) -> None:
        kind, size, ts = self._tag
        self._skip = remaining
        self._expect("size", PREVIOUS_SIZE_BYTES)
        if kind not in (AUDIO, VIDEO):
            return
        if self.first_ts is None:
            self.first_ts = ts
        self.last_ts = max(self.last_ts, ts)
        if keyframe:
            mark = (ts, self.media_bytes)
            if self.last_keyframe is not None and ts > self.last_keyframe[0]:
                self.keyframe_interval = (ts - self.last_keyframe[0]) / 1000
            if self.last_keyframe is None or ts > self.last_keyframe[0]:
                self.keyframes += 1
                self.first_keyframe = self.first_keyframe or mark
                self.last_keyframe = mark
        self.media_bytes += size

    @property
    def span(self) -> float:
        """Return the seconds of media seen, by the tags' timestamps."""
        return 0.0 if self.first_ts is None else (self.last_ts - self.first_ts) / 1000

    @property
    def bitrate(self) -> int:
        """Return the incoming bits per second, over whole keyframe intervals if possible."""
        first, last = self.first_keyframe, self.last_keyframe
        if first and last and last[0] > first[0]:
            return round((last[1] - first[1]) * 8 / ((last[0] - first[0]) / 1000))
        return round(self.media_bytes * 8 / self.span) if self.span > 0 else 0

    @property
    def enough_to_probe(self) -> bool:
        return (
            self.keyframes >= PROBE_KEYFRAMES
            or self.span >= PROBE_SECONDS
            or self.bytes_seen >= PROBE_MAX_BYTES
        )


def _rate(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 0.0


def probe(data: bytes, scanner: FlvScanner) -> SourceInfo:
    """Read the buffered start of a stream with PyAV, as FLV and nothing else."""
    try:
        container = av.open(io.BytesIO(data), format="flv", options=OPEN_OPTIONS)
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise SourceError("The stream could not be read: it is not valid FLV video.") from exc
    with container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            raise SourceError("The stream carries neither video nor sound.")
        width = height = 0
        if video is not None:
            ctx = video.codec_context
            width, height = ctx.width, ctx.height
            limit = settings.MEDIA_MAX_DIMENSION
            if not (0 < width <= limit and 0 < height <= limit):
                raise SourceError(
                    f"The stream's picture is {width}×{height} pixels; up to {limit} pixels "
                    "on each side can be streamed."
                )
        declared = sum(s.bit_rate or 0 for s in (video, audio) if s is not None)
        return SourceInfo(
            width=width,
            height=height,
            fps=_rate(video) if video is not None else 0.0,
            video_codec=video.codec_context.name if video is not None else "",
            audio_codec=audio.codec_context.name if audio is not None else "",
            # Not the declared rate alone: an encoder's metadata can say anything.
            bitrate=max(declared, scanner.bitrate),
            has_video=video is not None,
            has_audio=audio is not None,
            keyframe_interval=scanner.keyframe_interval,
            pixel_format=(video.codec_context.pix_fmt or "") if video is not None else "",
            audio_profile=(audio.codec_context.profile or "") if audio is not None else "",
        )
