"""Move each segment ffmpeg finishes into storage, then the live playlists that name it.

ffmpeg's own playlists are polled (a ``stat`` each ~100 ms) rather than watched with inotify:
a few ``stat`` calls a tick cost microseconds, need no extra dependency or thread, work on
any filesystem, and add at most a tick to a one-second segment.

Order is the guarantee: a segment (and its init segment before it) is in storage before the
live playlist naming it is rewritten, and every playlist exists before the master names it.
Everything here is synchronous (Django storage is): the packager runs it in its own thread.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import m3u8

from catalog.storage import overwrite
from catalog.transcoding.ladder import AUDIO_BITRATE
from catalog.transcoding.playlist import Variant, avc_codec, write_master
from live.packaging.journal import InitRecord, Journal, RenditionInfo, RunRecord, SegmentRecord
from live.packaging.ladder import Ladder
from live.packaging.playlists import Entry, date_time, from_epoch, media_playlist, target_duration

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
LIVE_WINDOW = 6  # segments in a live playlist: players start three back from its end
LIVE_MASTER = "live.m3u8"


def live_playlist(rendition: str) -> str:
    return f"live_{rendition}.m3u8"


@dataclass(frozen=True)
class Run:
    """One ffmpeg run as the uploader sees it; ``ladder`` is None when recovering a crash."""

    run: str
    directory: Path
    started: float  # wall-clock seconds when its stream began: program date times count from it
    renditions: tuple[RenditionInfo, ...]
    audio_codecs: str = ""  # the sound's entry in CODECS ("" without sound)
    ladder: Ladder | None = None


@dataclass
class Progress:
    """How far one rendition of the current run has been uploaded."""

    next_seq: int = 0
    elapsed: float = 0.0  # seconds of its segments so far
    init: str | None = None  # storage name of the run's init segment, once uploaded
    # The (inode, mtime, size) of ffmpeg's playlist when last read: ffmpeg writes a new
    # file and renames it over the old one, so the inode alone tells a rewrite apart.
    signature: tuple[int, int, int] | None = None
    gap: bool = False


@dataclass
class _Window:
    """One rendition's live playlist, across runs."""

    entries: deque[Entry] = field(default_factory=deque)
    media_sequence: int = 0
    discontinuity_sequence: int = 0
    target: int = 1
    last_run: str | None = None
    codecs: str = ""
    first_rate: int = 0  # bits/s of its first segment


class Uploader:
    """Upload one session's segments run after run, keeping its live playlists and journal."""

    def __init__(self, *, output_prefix: str, journal: Journal, live: bool = True) -> None:
        self.prefix = output_prefix.rstrip("/")
        self.journal = journal
        self.live = live  # False: recovering after a crash, for the replay only
        self.live_master: str | None = None
        self.latest_segment: tuple[str, str] | None = None
        self.ended = False
        self.media_seconds: dict[str, float] = {}  # each rendition's length over all runs
        self._run: Run | None = None
        self._progress: dict[str, Progress] = {}
        self._windows: dict[str, _Window] = {}

    @property
    def media_end(self) -> float:
        """Return where the session's timeline has reached (its longest rendition's end)."""
        return max(self.media_seconds.values(), default=0.0)

    def start_run(self, run: Run, *, resume: dict[str, Progress] | None = None) -> None:
        """Follow a new ffmpeg run (and journal it, unless ``resume`` continues a recorded one)."""
        run.directory.mkdir(parents=True, exist_ok=True)
        if resume is None:
            self.journal.append(RunRecord(run.run, run.started, run.renditions, run.audio_codecs))
        self._run = run
        self._progress = resume or {r.name: Progress() for r in run.renditions}

    def end_run(self) -> None:
        """Upload what the finished run left (ffmpeg has exited), then stop following it."""
        self.poll()
        self._run = None

    def poll(self) -> None:
        """Upload every segment ffmpeg has completed since the last call, then the playlists."""
        run = self._run
        if run is None:
            return
        for info in run.renditions:
            if self._upload_new(run, info.name) and self.live:
                self._write_live(info.name)
        ready = all(self._windows.get(r.name) for r in run.renditions)
        if self.live and self.live_master is None and run.ladder is not None and ready:
            self._write_master(run, run.ladder)

    def close_live(self) -> None:
        """Mark every live playlist ended (players stop waiting for more)."""
        self.ended = True
        for name, window in self._windows.items():
            if window.entries:
                self._write_live(name)

    def _upload_new(self, run: Run, rendition: str) -> bool:
        progress = self._progress[rendition]
        path = run.directory / f"{rendition}.m3u8"
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if signature == progress.signature:
            return False
        playlist = m3u8.loads(path.read_text())
        first = playlist.media_sequence or 0
        uploaded = False
        for index, segment in enumerate(playlist.segments):
            seq = first + index
            if seq < progress.next_seq:
                continue
            if seq > progress.next_seq:
                log.error("live %s: segments %d-%d lost", rendition, progress.next_seq, seq - 1)
                progress.gap = True
            init = segment.init_section.uri if segment.init_section else None
            if init is None or segment.uri is None or segment.duration is None:
                raise ValueError(f"{path} names a segment without its init segment")
            self._upload_segment(run, rendition, seq, segment.uri, init, segment.duration)
            uploaded = True
        progress.signature = signature  # only once all of it is in storage
        return uploaded

    def _upload_init(self, run: Run, rendition: str, local_name: str) -> str:
        path = run.directory / local_name
        has_video = any(r.name == rendition and r.width for r in run.renditions)
        codecs = ",".join(c for c in (avc_codec(path) if has_video else "", run.audio_codecs) if c)
        name = f"{self.prefix}/{local_name}"
        size = path.stat().st_size
        overwrite(name, path)
        self.journal.append(InitRecord(run.run, rendition, name, codecs, size))
        path.unlink(missing_ok=True)
        window = self._windows.setdefault(rendition, _Window())
        window.codecs = window.codecs or codecs
        return name

    def _upload_segment(
        self, run: Run, rendition: str, seq: int, local_name: str, init: str, duration: float
    ) -> None:
        progress = self._progress[rendition]
        if progress.init is None:
            progress.init = self._upload_init(run, rendition, init)
        path = run.directory / local_name
        size = path.stat().st_size
        name = f"{self.prefix}/{local_name}"
        overwrite(name, path)
        started = from_epoch(run.started + progress.elapsed)
        record = SegmentRecord(
            run.run, rendition, name, progress.init, seq, duration, date_time(started), size,
            gap=progress.gap,
        )  # fmt: skip
        self.journal.append(record)
        path.unlink(missing_ok=True)
        progress.next_seq, progress.gap = seq + 1, False
        progress.elapsed += duration
        self.media_seconds[rendition] = self.media_seconds.get(rendition, 0.0) + duration
        if rendition == run.renditions[0].name:
            self.latest_segment = (progress.init, name)
        if self.live:
            self._add_to_window(run, record)

    def _add_to_window(self, run: Run, record: SegmentRecord) -> None:
        window = self._windows.setdefault(record.rendition, _Window())
        new_run = window.last_run is not None and window.last_run != run.run
        entry = Entry(
            uri=record.name.rsplit("/", 1)[-1],
            duration=record.duration,
            started=record.started,
            init=record.init.rsplit("/", 1)[-1],
            discontinuity=new_run or record.gap,
        )
        window.entries.append(entry)
        window.last_run = run.run
        # The target never shrinks: players size their buffers and reload timers on it.
        window.target = max(window.target, target_duration([record.duration]))
        if not window.first_rate and record.duration > 0:
            window.first_rate = math.ceil(record.bytes * 8 / record.duration)
        while len(window.entries) > LIVE_WINDOW:
            window.entries.popleft()
            window.media_sequence += 1
            if window.entries[0].discontinuity:  # its tag leaves the playlist with it
                window.discontinuity_sequence += 1

    def _write_live(self, rendition: str) -> None:
        window = self._windows[rendition]
        text = media_playlist(
            window.entries,
            target=window.target,
            media_sequence=window.media_sequence,
            discontinuity_sequence=window.discontinuity_sequence,
            ended=self.ended,
        )
        overwrite(f"{self.prefix}/{live_playlist(rendition)}", text.encode())

    def _write_master(self, run: Run, ladder: Ladder) -> None:
        """Write the live master once, from the plan and each rendition's first segment."""
        variants = []
        audio = ladder.audio_bitrate
        for rung in ladder.rungs:
            window = self._windows[rung.name]
            # A copied rung's rate is the whole stream's, sound included.
            average = rung.video_bitrate + (0 if rung.copy else audio)
            peak = max(rung.maxrate + (0 if rung.copy else audio), window.first_rate)
            size = (rung.width, rung.height)
            variants.append(
                Variant(live_playlist(rung.name), peak, average, window.codecs, size, ladder.fps)
            )
        if not ladder.rungs:
            name = ladder.names[0]
            window = self._windows[name]
            peak = max(AUDIO_BITRATE, window.first_rate)
            variants.append(Variant(live_playlist(name), peak, audio, window.codecs))
        local = run.directory.parent / LIVE_MASTER
        write_master(local, variants)
        name = f"{self.prefix}/{LIVE_MASTER}"
        overwrite(name, local)
        self.live_master = name
