"""Run ffmpeg as a confined child that dies with its worker, reporting progress as it goes."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from catalog.transcoding.progress import ProgressCallback, ProgressParser

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
TICK_SECONDS = 0.25
LOG_TAIL_LINES = 40
OPEN_FILES = 256  # input, log, pipes and a few HLS outputs per variant: far below this
# ffmpeg gets no variable of ours: the worker's environment holds the secret key, the
# database URL and AWS keys, and a process that parses hostile files must not have them.
# Few malloc arenas: glibc reserves 64 MB of address space per arena (up to 8 per core), which
# counts against the address-space limit; with 4, a 1080p ladder reserves 1.4 GB, not 2.1.
CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "MALLOC_ARENA_MAX": "4"}


@dataclass(frozen=True)
class Limits:
    """Resource limits of one ffmpeg run (None: no limit of that kind)."""

    cpu_seconds: int | None = None  # user + system time of all its threads together
    memory_bytes: int | None = None  # address space
    open_files: int = OPEN_FILES


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this child when its parent dies (no orphan ffmpeg)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def confine(limits: Limits) -> Callable[[], None]:
    """Return what the child runs before exec: die with the parent, then take its limits."""

    def setup() -> None:
        die_with_parent()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        if limits.memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        if limits.cpu_seconds is not None:
            # Soft = hard: the kernel sends SIGKILL at once, so ffmpeg cannot treat the limit
            # as a polite stop (it does for SIGXCPU) and close a half-made output as if done.
            cpu = max(1, limits.cpu_seconds)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

    return setup


@dataclass(frozen=True)
class FFmpegRun:
    """How an ffmpeg run ended."""

    returncode: int
    log_tail: str
    cpu_seconds: float = 0.0
    cpu_limited: bool = False  # stopped because it used up its CPU time

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.cpu_limited


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a log file (empty if there is none)."""
    try:
        with path.open(errors="replace") as fh:
            return "".join(deque(fh, maxlen=lines))
    except FileNotFoundError:
        return ""


def _reap(proc: subprocess.Popen[str], *, block: bool) -> float | None:
    """Collect the child if it ended; return the CPU seconds it used (None: still running).

    ``os.wait4`` rather than ``Popen.poll``: only it tells how much CPU time the child
    used, which is how a run stopped by its CPU limit is told from any other death.
    """
    if proc.returncode is not None:
        return 0.0
    pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return None
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def _cpu_limited(returncode: int, cpu: float, limits: Limits) -> bool:
    """Tell whether the kernel killed the run at its CPU limit."""
    if limits.cpu_seconds is None or returncode != -signal.SIGKILL:
        return False
    # The kernel checks the limit on its clock ticks and rusage rounds: allow a tenth.
    return cpu >= 0.9 * max(1, limits.cpu_seconds)


def run_ffmpeg(
    args: list[str],
    *,
    log_path: Path,
    duration: float = 0.0,
    on_progress: ProgressCallback | None = None,
    limits: Limits | None = None,
) -> FFmpegRun:
    """Run ffmpeg to the end; ``on_progress`` is called every tick and may raise to stop it.

    Progress needs ``-progress pipe:1`` in ``args``. Whatever ``on_progress`` raises
    kills ffmpeg and propagates; stderr goes to ``log_path`` for the job's log tail.
    ffmpeg runs with a minimal environment and under ``limits``.
    """
    limits = limits or Limits()
    parser = ProgressParser(duration)
    with log_path.open("ab") as stderr:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=CHILD_ENV,
            preexec_fn=confine(limits),
            text=True,
            errors="replace",
        )
    reader = threading.Thread(target=_read_progress, args=(proc, parser), daemon=True)
    reader.start()
    cpu: float | None = None
    try:
        while (cpu := _reap(proc, block=False)) is None:
            time.sleep(TICK_SECONDS)
            if on_progress is not None:
                on_progress(parser.percent)
    finally:
        if proc.returncode is None:
            proc.kill()
            _reap(proc, block=True)
        reader.join(timeout=5)
    assert cpu is not None
    limited = _cpu_limited(proc.returncode, cpu, limits)
    if limited:
        log.warning("ffmpeg used its %s s of CPU time and was stopped", limits.cpu_seconds)
    return FFmpegRun(proc.returncode, tail(log_path), cpu, limited)


def _read_progress(proc: subprocess.Popen[str], parser: ProgressParser) -> None:
    """Drain ffmpeg's stdout into the parser (a full pipe would stall ffmpeg)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        parser.feed(line)


async def start_ffmpeg(
    args: list[str], *, log_path: Path, limits: Limits | None = None
) -> asyncio.subprocess.Process:
    """Start ffmpeg from asyncio, confined as ``run_ffmpeg`` does, reading stdin from a pipe.

    For ffmpeg that runs as long as a stream does (live packaging): the caller writes to
    ``process.stdin`` and awaits ``process.wait()``; stderr goes to ``log_path``. Start it
    from the thread that lives as long as the work (the event loop's): Linux sends the
    parent-death signal when the thread that started the child ends.
    """
    limits = limits or Limits()
    with log_path.open("ab") as stderr:
        return await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
            env=CHILD_ENV,
            preexec_fn=confine(limits),
        )
