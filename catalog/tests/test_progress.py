"""Parsing ffmpeg's -progress output into a percentage."""

from __future__ import annotations

import pytest

from catalog.transcoding.progress import ProgressParser

# Captured from this project's ffmpeg 9 (-progress pipe:1 -nostats), 3 s of media.
CAPTURED = """\
frame=0
fps=0.00
stream_0_0_q=0.0
bitrate=N/A
total_size=N/A
out_time_us=N/A
out_time_ms=N/A
out_time=N/A
dup_frames=0
drop_frames=0
speed=N/A
progress=continue
frame=30
fps=29.83
stream_0_0_q=29.0
bitrate=N/A
total_size=N/A
out_time_us=933333
out_time_ms=933333
out_time=00:00:00.933333
dup_frames=0
drop_frames=0
speed=0.928x
progress=continue
frame=52
fps=34.53
stream_0_0_q=29.0
bitrate=N/A
total_size=N/A
out_time_us=1500000
out_time_ms=1500000
out_time=00:00:01.500000
dup_frames=0
drop_frames=0
speed=1.11x
progress=continue
"""
END = """\
frame=90
out_time_us=3000000
out_time_ms=3000000
out_time=00:00:03.000000
speed=1.5x
progress=end
"""


def parse_progress(text: str | list[str], duration: float) -> float:
    """Feed a captured ``-progress`` text line by line, as ffmpeg's pipe delivers it."""
    parser = ProgressParser(duration)
    for line in text.splitlines() if isinstance(text, str) else text:
        parser.feed(line)
    return parser.percent


def test_percentage_of_the_last_complete_block() -> None:
    assert parse_progress(CAPTURED, duration=3.0) == pytest.approx(50.0)


def test_end_block_means_done() -> None:
    assert parse_progress(CAPTURED + END, duration=3.0) == 100.0


def test_an_unfinished_block_does_not_count_yet() -> None:
    parser = ProgressParser(duration=3.0)
    for line in CAPTURED.splitlines():
        parser.feed(line)
    assert parser.feed("out_time_us=2700000") is False
    assert parser.percent == pytest.approx(50.0)
    assert parser.feed("progress=continue") is True
    assert parser.percent == pytest.approx(90.0)
    assert parser.state.speed is None or parser.state.speed > 0


def test_not_available_and_negative_times_are_ignored() -> None:
    text = "out_time_us=N/A\nprogress=continue\nout_time_us=-9223372036854775807\n"
    text += "out_time=-577014:32:22.775808\nprogress=continue\n"
    assert parse_progress(text, duration=10) == 0.0


def test_out_time_text_is_used_when_microseconds_are_missing() -> None:
    assert parse_progress("out_time=00:01:00.000000\nprogress=continue\n", 120) == 50.0


def test_out_time_ms_is_microseconds_too() -> None:
    # ffmpeg has always written microseconds under the name out_time_ms.
    assert parse_progress("out_time_ms=5000000\nprogress=continue\n", 10) == 50.0


def test_never_reports_done_before_the_end_block() -> None:
    # Audio priming can make the output slightly longer than the probed duration.
    assert parse_progress("out_time_us=3100000\nprogress=continue\n", 3.0) == 99.9


def test_progress_never_goes_backwards() -> None:
    text = "out_time_us=2000000\nprogress=continue\nout_time_us=1000000\nprogress=continue\n"
    assert parse_progress(text, 4.0) == 50.0


def test_unknown_duration_reports_zero_until_the_end() -> None:
    assert parse_progress(CAPTURED, duration=0) == 0.0
    assert parse_progress(CAPTURED + END, duration=0) == 100.0


def test_junk_lines_are_ignored() -> None:
    assert parse_progress(["", "garbage", "out_time_us=1000000", "progress=continue"], 2) == 50
