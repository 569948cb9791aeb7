"""Write a finished session's replay once: VOD playlists over every segment it recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from catalog.storage import overwrite
from catalog.transcoding.backends.base import RenditionOutput
from catalog.transcoding.playlist import (
    Segment,
    Variant,
    average_bitrate,
    peak_bitrate,
    write_master,
)
from catalog.transcoding.thumbnails import POSTER_AT
from live.packaging import thumbnail
from live.packaging.journal import Journal, Recorded, RenditionInfo, SegmentRecord
from live.packaging.playlists import Entry, media_playlist, target_duration, widest
from live.packaging.timeline import Stretch, timeline
from live.packaging.uploader import Progress, Run, Uploader

log = logging.getLogger(__name__)

REPLAY_MASTER = "replay.m3u8"
POSTER_NAME = "replay_poster.jpg"


def replay_playlist(rendition: str) -> str:
    return f"replay_{rendition}.m3u8"


@dataclass(frozen=True)
class ReplayOutput:
    """The replay in storage; every name is a full storage name under the output prefix."""

    master: str
    renditions: list[RenditionOutput]
    duration: float
    poster: str | None
    # Wall clock to replay time (chat messages are placed on the replay with it).
    timeline: tuple[Stretch, ...] = ()


def _renditions(recorded: Recorded) -> list[RenditionInfo]:
    """Return the session's renditions, top first (the same in every run)."""
    return list(recorded.runs[0].renditions) if recorded.runs else []


def recorded_seconds(recorded: Recorded) -> float:
    """Return how long the session's top rendition is, as recorded."""
    renditions = _renditions(recorded)
    if not renditions:
        return 0.0
    return sum(s.duration for s in recorded.rendition_segments(renditions[0].name))


def _entries(segments: list[SegmentRecord]) -> list[Entry]:
    entries = []
    for i, segment in enumerate(segments):
        new_run = i > 0 and segments[i - 1].run != segment.run
        entries.append(
            Entry(
                uri=segment.name.rsplit("/", 1)[-1],
                duration=segment.duration,
                started=segment.started,
                init=segment.init.rsplit("/", 1)[-1],
                discontinuity=new_run or segment.gap,
            )
        )
    return entries


def _rendition(
    prefix: str, recorded: Recorded, info: RenditionInfo
) -> tuple[RenditionOutput, Variant] | None:
    segments = recorded.rendition_segments(info.name)
    if not segments:
        return None
    target = target_duration([s.duration for s in segments])
    name = f"{prefix}/{replay_playlist(info.name)}"
    overwrite(name, media_playlist(_entries(segments), target=target, vod=True).encode())
    inits = list(dict.fromkeys(s.init for s in segments))
    codecs = widest([recorded.inits[i].codecs for i in inits if i in recorded.inits])
    measured = [Segment(s.name, s.duration, s.bytes) for s in segments]
    peak, average = peak_bitrate(measured, target), average_bitrate(measured)
    size = sum(s.bytes for s in segments) + sum(
        recorded.inits[i].bytes for i in inits if i in recorded.inits
    )
    resolution = (info.width, info.height) if info.width and info.height else None
    output = RenditionOutput(
        playlist=name, bitrate=peak, codecs=codecs, bytes=size, width=info.width,
        height=info.height, files=(*inits, *(s.name for s in segments)),
    )  # fmt: skip
    variant = Variant(replay_playlist(info.name), peak, average, codecs, resolution, info.fps)
    return output, variant


def _poster(prefix: str, recorded: Recorded, top: RenditionInfo) -> str | None:
    """Take the poster a tenth of the way in (past a black start), as the VOD one is."""
    segments = recorded.rendition_segments(top.name)
    if not top.width or not segments:
        return None
    segment = segments[min(len(segments) - 1, int(len(segments) * POSTER_AT))]
    try:
        return thumbnail.capture(
            init_name=segment.init, segment_name=segment.name, target_name=f"{prefix}/{POSTER_NAME}"
        )
    except (thumbnail.CaptureError, OSError):
        log.warning("replay poster of %s could not be made", prefix, exc_info=True)
        return None


def write_replay(*, output_prefix: str, work_dir: Path) -> ReplayOutput | None:
    """Write the replay's playlists and poster from the journal; None if under the minimum.

    Storage errors propagate: the journal stays, so the call can be made again.
    """
    prefix = output_prefix.rstrip("/")
    recorded = Journal(work_dir).read()
    duration = recorded_seconds(recorded)
    if not recorded.segments or duration < settings.LIVE_MIN_REPLAY_SECONDS:
        return None
    outputs, variants = [], []
    for info in _renditions(recorded):
        written = _rendition(prefix, recorded, info)
        if written is not None:
            outputs.append(written[0])
            variants.append(written[1])
    local = work_dir / REPLAY_MASTER
    write_master(local, variants)
    master = overwrite(f"{prefix}/{REPLAY_MASTER}", local)
    top = _renditions(recorded)[0]
    poster = _poster(prefix, recorded, top)
    return ReplayOutput(
        master=master,
        renditions=outputs,
        duration=duration,
        poster=poster,
        timeline=timeline(recorded.rendition_segments(top.name)),
    )


def _resume(recorded: Recorded, run: str, rendition: str) -> Progress:
    """Pick up where the journal says a rendition of a run was left."""
    done = [s for s in recorded.segments if s.run == run and s.rendition == rendition]
    inits = [i.name for i in recorded.inits.values() if i.run == run and i.rendition == rendition]
    return Progress(
        next_seq=max((s.seq + 1 for s in done), default=0),
        elapsed=sum(s.duration for s in done),
        init=inits[0] if inits else None,
    )


def finish_orphan(output_prefix: str, work_dir: Path) -> ReplayOutput | None:
    """After an ingest crash: store the complete segments it left, then write the replay.

    None when nothing (or less than ``LIVE_MIN_REPLAY_SECONDS``) was recorded.
    """
    journal = Journal(work_dir)
    recorded = journal.read()
    if not recorded.runs:
        return None
    uploader = Uploader(output_prefix=output_prefix, journal=journal, live=False)
    try:
        for record in recorded.runs:
            directory = work_dir / record.run
            if not directory.is_dir():
                continue
            run = Run(record.run, directory, record.started, record.renditions, record.audio_codecs)
            resume = {r.name: _resume(recorded, record.run, r.name) for r in record.renditions}
            uploader.start_run(run, resume=resume)
            try:
                uploader.end_run()
            except (ValueError, FileNotFoundError):  # a damaged leftover: keep the rest
                log.exception("live run %s of %s could not be recovered", record.run, work_dir)
    finally:
        journal.close()
    return write_replay(output_prefix=output_prefix, work_dir=work_dir)
