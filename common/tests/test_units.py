"""Sizes and durations as people read them."""

from __future__ import annotations

import pytest

from common.units import clock_duration, human_bytes, human_duration, iso_duration


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1536, "1.5 KB"), (5 * 1024**2, "5.0 MB"),
     (3 * 1024**3, "3.0 GB"), (5000 * 1024**3, "5000.0 GB")],
)  # fmt: skip
def test_human_bytes(size: int, text: str) -> None:
    assert human_bytes(size) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(7 * 3600 + 120, "7 h 2 min"), (6 * 3600, "6 h"), (90, "1 min 30 s"), (120, "2 min"),
     (40.4, "40 s")],
)  # fmt: skip
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (9.99, "0:09"), (75.4, "1:15"), (600, "10:00"), (3725, "1:02:05"), (None, ""),
     (-1, ""), (float("nan"), "")],
)  # fmt: skip
def test_clock_duration(seconds: float | None, text: str) -> None:
    assert clock_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(75.4, "PT75S"), (0, "PT0S"), (None, ""), (float("nan"), "")]
)
def test_iso_duration(seconds: float | None, text: str) -> None:
    assert iso_duration(seconds) == text
