"""Package one live session: FLV bytes in, HLS in storage out, the replay at the end.

The ingest calls ``feed`` from its event loop with the bytes of the publisher's stream. Each
publish is a run: the first bytes are buffered and probed, then one ffmpeg process per run
reads the stream on its stdin. A reconnect starts a new run in the same session; ``finish``
ends the session and writes its replay. Nothing here blocks the event loop on files or
storage (those run in the session's own thread), and nothing raises into the connection:
a failure sets ``failed`` and ``failure``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from catalog.transcoding.backends.ffmpeg import ffmpeg_exe
from catalog.transcoding.process import Limits, start_ffmpeg, tail
from live.packaging import ladder as ladders
from live.packaging.command import live_command
from live.packaging.journal import Journal, RenditionInfo
from live.packaging.ladder import Ladder
from live.packaging.replay import ReplayOutput, write_replay
from live.packaging.source import FlvScanner, SourceError, SourceInfo, probe
from live.packaging.uploader import POLL_SECONDS, Run, Uploader

log = logging.getLogger(__name__)

END_SECONDS = 30  # ffmpeg's time to flush its last segment once its input ends
# ffmpeg not taking input for this long is stuck: each write waits for the pipe to drain, so
# the publisher is slowed (TCP backpressure) and memory stays bounded meanwhile.
FEED_STALL_SECONDS = 10
RUN_GAP_SECONDS = 0.05
STORAGE_FAILING_SECONDS = 30  # storage refusing segments this long ends the session

FAILED = "Packaging failed because of an internal error."


@dataclass
class _Run:
    id: str
    started: float
    directory: Path
    scanner: FlvScanner = field(default_factory=FlvScanner)
    buffer: bytearray = field(default_factory=bytearray)  # the stream's start, until probed
    ladder: Ladder | None = None
    process: asyncio.subprocess.Process | None = None
    watcher: asyncio.Task[None] | None = None
    uploads: asyncio.Task[None] | None = None
    ending: bool = False


class Packager:
    """Turn one live session's stream into live HLS in storage, then its replay."""

    def __init__(self, *, session_id: str, output_prefix: str, work_dir: Path) -> None:
        self.session_id = session_id
        self.output_prefix = output_prefix.rstrip("/")
        self.work_dir = work_dir
        self.source: SourceInfo | None = None
        self.keyframe_warning = False
        self.failed = asyncio.Event()
        self.failure = ""
        self._lock = asyncio.Lock()
        self._run: _Run | None = None
        self._runs = 0
        self._ladder: Ladder | None = None  # the session's, fixed by its first run
        self._finished = False
        self._replay: ReplayOutput | None = None
        # One thread per session: its storage calls run in order, and a slow store holds up
        # this session only.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"live-{session_id}")
        self._journal = Journal(work_dir)
        self._uploader = Uploader(output_prefix=self.output_prefix, journal=self._journal)

    @property
    def live_master(self) -> str | None:
        """Return the live master playlist's storage name once it is written."""
        return self._uploader.live_master

    @property
    def latest_segment(self) -> tuple[str, str] | None:
        """Return the storage names of the top rendition's newest (init, segment)."""
        return self._uploader.latest_segment

    @property
    def keyframe_interval(self) -> float | None:
        """Return the seconds between the publisher's last two keyframes (stream health)."""
        return self._run.scanner.keyframe_interval if self._run else None

    async def feed(self, data: bytes) -> None:
        """Take the next bytes of the FLV stream (from its header on, for each run)."""
        if not data or self._finished or self.failed.is_set():
            return
        async with self._lock:
            if self._finished or self.failed.is_set():
                return
            try:
                await self._feed(data)
            except SourceError as exc:
                self._fail(str(exc))
            except Exception:
                log.exception("live session %s: packaging failed", self.session_id)
                self._fail(FAILED)

    async def end_run(self) -> None:
        """End the current run: ffmpeg flushes, the rest is uploaded; the session stays open."""
        async with self._lock:
            await self._end_run()

    async def finish(self) -> ReplayOutput | None:
        """End the session: end the run, close the live playlists and write the replay.

        Return None when less than ``LIVE_MIN_REPLAY_SECONDS`` was recorded. A storage error
        propagates; the journal stays, so ``finish_orphan`` can write the replay later.
        """
        async with self._lock:
            if self._finished:
                return self._replay
            await self._end_run()
            self._finished = True
            try:
                await self._in_thread(self._uploader.close_live)
            except Exception:
                log.exception(
                    "live session %s: the live playlists were not closed", self.session_id
                )
            await self._in_thread(self._journal.close)
            try:
                self._replay = await self._in_thread(
                    lambda: write_replay(output_prefix=self.output_prefix, work_dir=self.work_dir)
                )
            finally:
                self._thread.shutdown(wait=False)
            return self._replay

    async def _in_thread(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def _fail(self, message: str) -> None:
        if not self.failed.is_set():
            self.failure = message
            log.warning("live session %s: %s", self.session_id, message)
            self.failed.set()

    async def _feed(self, data: bytes) -> None:
        run = self._run
        if run is None:
            self._runs += 1
            run_id = f"r{self._runs}-{secrets.token_hex(3)}"
            run = self._run = _Run(run_id, time.time(), self.work_dir / run_id)
        run.scanner.feed(data)
        if run.ladder is not None:
            self.keyframe_warning = ladders.keyframe_warning(
                run.ladder, run.scanner.keyframe_interval
            )
        if run.process is not None:
            await self._write(run, data)
            return
        run.buffer += data
        if run.scanner.enough_to_probe:
            await self._start(run)

    async def _start(self, run: _Run) -> None:
        """Probe the buffered start, plan the ladder, start ffmpeg and give it the buffer."""
        data, run.buffer = bytes(run.buffer), bytearray()
        source: SourceInfo = await self._in_thread(probe, data, run.scanner)
        self.source = source
        ladder = (
            ladders.plan(source) if self._ladder is None else ladders.for_run(self._ladder, source)
        )
        self._ladder = self._ladder or ladder
        run.ladder = ladder
        self.keyframe_warning = ladders.keyframe_warning(ladder, source.keyframe_interval)
        renditions = tuple(
            RenditionInfo(r.name, r.width, r.height, ladder.fps) for r in ladder.rungs
        ) or (RenditionInfo(ladder.names[0], None, None, None),)
        audio = ladder.audio_codecs if ladder.has_audio else ""
        watched = Run(run.id, run.directory, run.started, renditions, audio, ladder)
        await self._in_thread(self._uploader.start_run, watched)
        # The next run continues the timeline a little after the last one ended (a small gap
        # is harmless; an overlap would have players drop frames).
        offset = self._uploader.media_end + RUN_GAP_SECONDS if self._runs > 1 else 0.0
        cmd = live_command(
            ffmpeg=ffmpeg_exe(), ladder=ladder, out_dir=run.directory, run=run.id, offset=offset
        )
        # No CPU-time limit: a live run lasts as long as the stream does.
        limits = Limits(memory_bytes=settings.TRANSCODE_MEMORY_MB * 1024**2)
        run.process = await start_ffmpeg(cmd, log_path=run.directory / "ffmpeg.log", limits=limits)
        log.info("live session %s run %s: %s", self.session_id, run.id, ladder.names)
        log.debug("live session %s run %s: %s", self.session_id, run.id, cmd)
        run.watcher = asyncio.create_task(self._watch(run))
        run.uploads = asyncio.create_task(self._upload_loop(run))
        await self._write(run, data)

    async def _write(self, run: _Run, data: bytes) -> None:
        assert run.process is not None
        stdin = run.process.stdin
        if stdin is None or stdin.is_closing():
            return
        try:
            stdin.write(data)
            # Wait only when the pipe is backed up: a wait_for per FLV tag (dozens a second)
            # was the largest cost of a copy-only stream in the ingest (bench/live_latency.py).
            transport = stdin.transport
            if transport.get_write_buffer_size() > transport.get_write_buffer_limits()[1]:
                await asyncio.wait_for(stdin.drain(), FEED_STALL_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            return  # ffmpeg is gone; its watcher says why
        except TimeoutError:
            self._fail(f"ffmpeg took no input for {FEED_STALL_SECONDS} seconds and was stopped.")
            with contextlib.suppress(ProcessLookupError):
                run.process.kill()

    async def _watch(self, run: _Run) -> None:
        """Report ffmpeg ending on its own (it only ends when its input does, otherwise)."""
        assert run.process is not None
        code = await run.process.wait()
        if run.ending:
            return
        log_tail = await self._in_thread(tail, run.directory / "ffmpeg.log")
        how = f"was killed (signal {-code})" if code < 0 else f"exited with code {code}"
        self._fail(f"Packaging stopped: ffmpeg {how}.\n{log_tail}".rstrip())

    async def _upload_loop(self, run: _Run) -> None:
        failing_since: float | None = None
        while not run.ending:
            try:
                await self._in_thread(self._uploader.poll)
                failing_since = None
            except Exception as exc:
                if failing_since is None:
                    log.exception("live session %s: upload failed", self.session_id)
                    failing_since = time.monotonic()
                elif time.monotonic() - failing_since > STORAGE_FAILING_SECONDS:
                    self._fail(f"Segments could not be stored for a while: {exc}")
            await asyncio.sleep(POLL_SECONDS)

    async def _end_run(self) -> None:
        run, self._run = self._run, None
        if run is None:
            return
        if run.process is None and run.buffer and not self.failed.is_set():
            try:  # a publish too short to fill the probe buffer: package what came
                await self._start(run)
            except SourceError as exc:
                self._fail(str(exc))
            except Exception:
                log.exception("live session %s: packaging failed", self.session_id)
                self._fail(FAILED)
        process = run.process
        if process is None:
            return
        run.ending = True
        if process.stdin is not None:
            process.stdin.close()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await process.stdin.wait_closed()
        try:
            await asyncio.wait_for(process.wait(), END_SECONDS)
        except TimeoutError:
            log.warning("live session %s: ffmpeg did not finish; killed", self.session_id)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        for task in (run.uploads, run.watcher):
            if task is not None:
                await task
        try:
            await self._in_thread(self._uploader.end_run)
        except Exception as exc:
            log.exception("live session %s: the last segments were not stored", self.session_id)
            self._fail(f"The last segments could not be stored: {exc}")
