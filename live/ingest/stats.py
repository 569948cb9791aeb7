"""Stream health for the streamer: bitrate, frame rate, keyframe interval, dropped frames."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .errors import ProtocolError
from .flv import ON_METADATA, FlvTag, TagKind, script_data, video_info

WINDOW_SECONDS = 5.0


class StreamStats:
    """Measure one publisher's incoming stream from the tags it sends.

    Bitrate and frame rate are over a sliding window of arrival times; the keyframe interval
    and dropped frames use the stream's own timestamps, so that network bursts do not skew
    them. Dropped frames: the frames the declared frame rate (onMetaData) promised over the
    time the stream covers, less the frames that came.
    """

    def __init__(
        self, *, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self.started: float | None = None  # the first tag's arrival
        self._bytes: deque[tuple[float, int]] = deque()
        self._frames: deque[float] = deque()
        self._window_bytes = 0
        self.total_bytes = 0
        self.frames = 0
        self.keyframes = 0
        self.declared_fps: float | None = None
        self.width: float | None = None
        self.height: float | None = None
        self.keyframe_interval: float | None = None
        self._first_frame_ms: int | None = None
        self._last_frame_ms: int | None = None
        self._last_keyframe_ms: int | None = None

    def add(self, tag: FlvTag) -> None:
        """Count one tag as it arrives."""
        now = self.clock()
        if self.started is None:
            self.started = now
        size = len(tag.payload)
        self.total_bytes += size
        self._window_bytes += size
        self._bytes.append((now, size))
        if tag.kind == TagKind.VIDEO:
            self._video(tag, now)
        elif tag.kind == TagKind.SCRIPT:
            self._metadata(tag)
        self._expire(now)

    def _video(self, tag: FlvTag, now: float) -> None:
        try:
            info = video_info(tag.payload)
        except ProtocolError:
            return
        if not info.is_picture:
            return
        self.frames += 1
        self._frames.append(now)
        stamp = tag.timestamp_ms
        if self._first_frame_ms is None:
            self._first_frame_ms = stamp
        self._last_frame_ms = stamp
        if info.is_keyframe:
            self.keyframes += 1
            if self._last_keyframe_ms is not None and stamp > self._last_keyframe_ms:
                self.keyframe_interval = (stamp - self._last_keyframe_ms) / 1000
            self._last_keyframe_ms = stamp

    def _metadata(self, tag: FlvTag) -> None:
        found = script_data(tag)
        if found is None or found[0] != ON_METADATA or not isinstance(found[1], dict):
            return
        properties = found[1]
        self.declared_fps = _positive(properties.get("framerate"))
        self.width = _positive(properties.get("width"))
        self.height = _positive(properties.get("height"))

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        while self._bytes and self._bytes[0][0] < horizon:
            self._window_bytes -= self._bytes.popleft()[1]
        while self._frames and self._frames[0] < horizon:
            self._frames.popleft()

    def _span(self, now: float) -> float:
        """Return the seconds the window covers so far (less than the window at the start)."""
        started = now if self.started is None else self.started
        return max(min(self.window, now - started), 1e-3)

    @property
    def dropped_frames(self) -> int:
        if not self.declared_fps or self._first_frame_ms is None or self._last_frame_ms is None:
            return 0
        covered = (self._last_frame_ms - self._first_frame_ms) / 1000
        expected = covered * self.declared_fps + 1
        return max(0, round(expected - self.frames))

    def snapshot(self) -> dict[str, Any]:
        """Return the figures as plain numbers (None where not known yet), ready for JSON."""
        now = self.clock()
        self._expire(now)
        span = self._span(now)
        return {
            "bitrate_kbps": round(self._window_bytes * 8 / span / 1000, 1),
            "fps": round(len(self._frames) / span, 2),
            "keyframe_interval_s": self.keyframe_interval,
            "dropped_frames": self.dropped_frames,
            "declared_fps": self.declared_fps,
            "width": self.width,
            "height": self.height,
            "frames": self.frames,
            "bytes": self.total_bytes,
            "seconds": 0.0 if self.started is None else round(now - self.started, 3),
        }


def _positive(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e6:
        return float(value)
    return None
