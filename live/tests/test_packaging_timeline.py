"""A replay's timeline from the journal's segments: stretches joined, gaps and losses split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from live.packaging.journal import SegmentRecord
from live.packaging.timeline import Stretch, replay_seconds, timeline

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def segment(run: str, started: float, duration: float = 1.0, *, gap: bool = False) -> SegmentRecord:
    moment = (T0 + timedelta(seconds=started)).isoformat(timespec="milliseconds")
    return SegmentRecord(run, "720p", f"s{started}", "init", 0, duration, moment, 1, gap)


def test_back_to_back_segments_are_one_stretch_and_a_reconnect_starts_another() -> None:
    segments = [segment("a", 0), segment("a", 1.001), segment("a", 2, 0.5)]
    segments += [segment("b", 30), segment("b", 31)]  # the encoder came back 27.5 s later
    assert timeline(segments) == (
        Stretch(T0, 0.0, 2.5),
        Stretch(T0 + timedelta(seconds=30), 2.5, 2.0),
    )


def test_segments_the_uploader_lost_split_the_stretch() -> None:
    segments = [segment("a", 0), segment("a", 5, gap=True), segment("a", 6)]
    assert [s.at for s in timeline(segments)] == [0.0, 1.0]


def test_moments_map_into_stretches_gaps_and_ends() -> None:
    stretches = timeline([segment("a", 10, 4.0), segment("b", 20, 4.0)])
    at = lambda seconds: replay_seconds(T0 + timedelta(seconds=seconds), stretches)  # noqa: E731
    assert [at(s) for s in (0, 10, 12.5, 15, 21, 99)] == [0.0, 0.0, 2.5, 4.0, 5.0, 8.0]
    assert replay_seconds(T0, ()) == 0.0
