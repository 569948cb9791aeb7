"""Sizes and durations written the way people (and HTML) read them."""

from __future__ import annotations

import math


def human_bytes(size: float) -> str:
    """Format a byte count the way people read it (1.5 GB)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def human_duration(seconds: float) -> str:
    """Format a duration the way people say it (1 h 5 min, 40 s)."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def clock_duration(seconds: float | None) -> str:
    """Format seconds as m:ss, or h:mm:ss from an hour up; empty when unknown."""
    if seconds is None or seconds < 0 or math.isnan(seconds):
        return ""
    total = int(seconds)  # truncate, as players count time
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def iso_duration(seconds: float | None) -> str:
    """Format seconds as an ISO 8601 duration (PT75S); empty when unknown."""
    if seconds is None or seconds < 0 or math.isnan(seconds):
        return ""
    return f"PT{seconds:.0f}S"
