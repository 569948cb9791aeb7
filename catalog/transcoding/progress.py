"""Read ffmpeg's ``-progress`` output (blocks of key=value lines) as a percentage."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

# Told the percentage done, often; whatever it raises stops the work (see run_ffmpeg).
ProgressCallback = Callable[[float], None]


@dataclass
class ProgressState:
    """What the last complete ``-progress`` block said."""

    out_time: float = 0.0  # seconds of output written
    speed: float | None = None
    ended: bool = False


def _seconds(key: str, value: str) -> float | None:
    """Turn ``out_time_us`` / ``out_time_ms`` / ``out_time`` into seconds (None when unknown)."""
    try:
        if key in ("out_time_us", "out_time_ms"):  # both are microseconds (an old ffmpeg quirk)
            return int(value) / 1_000_000
        if key == "out_time":
            hours, minutes, seconds = value.split(":")
            return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:  # "N/A" before the first frame is written
        return None
    return None


class ProgressParser:
    """Feed lines as they arrive; ``percent`` follows the last complete block."""

    def __init__(self, duration: float) -> None:
        self.duration = duration
        self.state = ProgressState()
        self._block: dict[str, str] = {}

    def feed(self, line: str) -> bool:
        """Take one line; return True when it closed a block (``progress=...``)."""
        key, sep, value = line.strip().partition("=")
        if not sep:
            return False
        self._block[key] = value.strip()
        if key != "progress":
            return False
        self._close_block()
        return True

    def _close_block(self) -> None:
        block, self._block = self._block, {}
        for key in ("out_time_us", "out_time_ms", "out_time"):
            seconds = _seconds(key, block.get(key, ""))
            if seconds is not None and seconds >= 0:
                self.state.out_time = max(self.state.out_time, seconds)
                break
        speed = block.get("speed", "").rstrip("x")
        with contextlib.suppress(ValueError):
            self.state.speed = float(speed)
        if block.get("progress") == "end":
            self.state.ended = True

    @property
    def percent(self) -> float:
        """Percentage of the duration written so far, 0–100 (100 only once ffmpeg ends)."""
        if self.state.ended:
            return 100.0
        if self.duration <= 0:
            return 0.0
        return min(99.9, 100.0 * self.state.out_time / self.duration)
