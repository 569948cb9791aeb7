"""The session's append-only record of what reached storage, from which its replay is written.

One JSON object a line in ``journal.jsonl`` in the session's work folder: a ``run`` line when
ffmpeg starts (its renditions and the wall time its stream began), an ``init`` line per
uploaded init segment and a ``segment`` line per uploaded segment. Only appended, so a crash
loses at most the line being written, which ``read`` skips.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

JOURNAL_NAME = "journal.jsonl"


@dataclass(frozen=True)
class RenditionInfo:
    name: str
    width: int | None
    height: int | None
    fps: float | None


@dataclass(frozen=True)
class RunRecord:
    run: str
    started: float  # wall-clock seconds (epoch) when the run's stream began
    renditions: tuple[RenditionInfo, ...]
    audio_codecs: str = ""  # the sound's entry in HLS CODECS ("" without sound)


@dataclass(frozen=True)
class InitRecord:
    run: str
    rendition: str
    name: str  # storage name
    codecs: str  # as HLS CODECS: "avc1.64001f,mp4a.40.2"
    bytes: int


@dataclass(frozen=True)
class SegmentRecord:
    run: str
    rendition: str
    name: str  # storage name
    init: str  # storage name of its init segment
    seq: int  # ffmpeg's number of the segment within its run
    duration: float
    program_date_time: str  # ISO 8601, UTC, milliseconds
    bytes: int
    gap: bool = False  # segments before it were lost (the uploader fell too far behind)

    @property
    def started(self) -> datetime:
        return datetime.fromisoformat(self.program_date_time)


@dataclass
class Recorded:
    """Everything a journal holds, in the order it was written."""

    runs: list[RunRecord] = field(default_factory=list)
    inits: dict[str, InitRecord] = field(default_factory=dict)  # by storage name
    segments: list[SegmentRecord] = field(default_factory=list)

    def rendition_segments(self, rendition: str) -> list[SegmentRecord]:
        return [s for s in self.segments if s.rendition == rendition]


class Journal:
    """Append records to a session's journal and read them back."""

    def __init__(self, work_dir: Path) -> None:
        self.path = work_dir / JOURNAL_NAME
        self._fh: IO[str] | None = None

    def append(self, record: RunRecord | InitRecord | SegmentRecord) -> None:
        """Write one record and flush it to the operating system (a crash keeps it)."""
        kind = {RunRecord: "run", InitRecord: "init", SegmentRecord: "segment"}[type(record)]
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        self._fh.write(json.dumps({"kind": kind, **asdict(record)}) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def read(self) -> Recorded:
        """Return every complete record; a torn or unknown line is skipped."""
        recorded = Recorded()
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return recorded
        for number, line in enumerate(lines, 1):
            try:
                _add(recorded, json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                log.warning("%s line %d skipped: %s", self.path, number, exc)
        return recorded


def _add(recorded: Recorded, data: dict[str, Any]) -> None:
    kind = data.pop("kind")
    if kind == "run":
        renditions = tuple(RenditionInfo(**r) for r in data.pop("renditions"))
        recorded.runs.append(RunRecord(renditions=renditions, **data))
    elif kind == "init":
        init = InitRecord(**data)
        recorded.inits[init.name] = init
    elif kind == "segment":
        recorded.segments.append(SegmentRecord(**data))
    else:
        raise ValueError(f"unknown record {kind!r}")
