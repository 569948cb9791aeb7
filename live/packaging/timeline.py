"""Where a moment of the stream lands on its replay: wall-clock time to replay seconds.

A replay plays the recorded segments back to back, so it is shorter than the session when
the connection dropped and came back (the gap is not in it) or segments were lost. The
packager's journal knows each segment's wall-clock start (program date time) and length;
from them a timeline of unbroken stretches maps any moment to the replay's time. A chat
message sent in a gap appears where the replay resumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from live.packaging.journal import SegmentRecord

# Segments closer than this count as back to back (program date times are rounded to ms,
# and ffmpeg's segment durations to the frame).
JOIN_SECONDS = 0.25


@dataclass(frozen=True)
class Stretch:
    """Replay seconds ``at`` to ``at + duration`` were recorded from ``started`` on."""

    started: datetime
    at: float
    duration: float

    @property
    def ended(self) -> datetime:
        return self.started + timedelta(seconds=self.duration)


def timeline(segments: Sequence[SegmentRecord]) -> tuple[Stretch, ...]:
    """Return the unbroken stretches of a rendition's segments, in replay order."""
    stretches: list[Stretch] = []
    at = 0.0
    for segment in segments:
        last = stretches[-1] if stretches else None
        if (
            last is not None
            and not segment.gap
            and abs((segment.started - last.ended).total_seconds()) <= JOIN_SECONDS
        ):
            stretches[-1] = Stretch(last.started, last.at, last.duration + segment.duration)
        else:
            stretches.append(Stretch(segment.started, at, segment.duration))
        at += segment.duration
    return tuple(stretches)


def replay_seconds(moment: datetime, stretches: Sequence[Stretch]) -> float:
    """Return the replay time of ``moment``: inside a stretch, its place there; in a gap or
    before the start, where the replay resumes; after the end, the end."""
    for stretch in stretches:
        if moment < stretch.started:
            return stretch.at
        if moment < stretch.ended:
            return stretch.at + (moment - stretch.started).total_seconds()
    last = stretches[-1] if stretches else None
    return last.at + last.duration if last else 0.0
