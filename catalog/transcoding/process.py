"""Run ffmpeg as a child that dies with its worker, reporting progress as it goes."""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from catalog.transcoding.progress import ProgressParser

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
TICK_SECONDS = 0.25
LOG_TAIL_LINES = 40

ProgressCallback = Callable[[float], None]


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this child when its parent dies (no orphan ffmpeg)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@dataclass(frozen=True)
class FFmpegRun:
    """How an ffmpeg run ended."""

    returncode: int
    log_tail: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a log file (empty if there is none)."""
    try:
        with path.open(errors="replace") as fh:
            return "".join(deque(fh, maxlen=lines))
    except FileNotFoundError:
        return ""


def run_ffmpeg(
    args: list[str],
    *,
    log_path: Path,
    duration: float = 0.0,
    on_progress: ProgressCallback | None = None,
) -> FFmpegRun:
    """Run ffmpeg to the end; ``on_progress`` is called every tick and may raise to stop it.

    Progress needs ``-progress pipe:1`` in ``args``. Whatever ``on_progress`` raises
    kills ffmpeg and propagates; stderr goes to ``log_path`` for the job's log tail.
    """
    parser = ProgressParser(duration)
    with log_path.open("ab") as stderr:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            preexec_fn=die_with_parent,
            text=True,
            errors="replace",
        )
    reader = threading.Thread(target=_read_progress, args=(proc, parser), daemon=True)
    reader.start()
    try:
        while proc.poll() is None:
            time.sleep(TICK_SECONDS)
            if on_progress is not None:
                on_progress(parser.percent)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(timeout=5)
    return FFmpegRun(proc.returncode, tail(log_path))


def _read_progress(proc: subprocess.Popen[str], parser: ProgressParser) -> None:
    """Drain ffmpeg's stdout into the parser (a full pipe would stall ffmpeg)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        parser.feed(line)
