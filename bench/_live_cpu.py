"""CPU time of running processes from /proc, for the live_latency benchmark.

``/proc/PID/stat`` holds the user and system time of every thread of a process so far, so
two readings a window apart give its CPU use over that window without slowing it down (no
profiler attached). Children are read separately: a parent's ``cutime`` counts a child
only once it has exited and been reaped, and the packager's ffmpeg lives as long as the
stream does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")  # the unit of utime and stime (1/100 s on Linux)


def _stat(path: Path) -> list[str]:
    """Return the fields after the command name (which may hold spaces) of a stat file."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return []


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """Return the user + system seconds a process (or one of its threads) has used so far."""
    path = Path(f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat")
    fields = _stat(path)
    # Field 14 and 15 of stat(5), utime and stime: indexes 11 and 12 after the name.
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def children(pid: int) -> list[int]:
    """Return the living descendants of ``pid`` (the packager's ffmpeg, for the ingest)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry / "stat")
            if len(fields) > 1 and fields[0] not in ("Z", "X"):
                parents[int(entry.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found += kids
        todo += kids
    return found


def threads(pid: int) -> list[int]:
    try:
        return sorted(int(tid) for tid in os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:
        return []


@dataclass
class Usage:
    """CPU seconds per part over a wall-clock window; ``cores`` = CPU / wall."""

    wall: float
    parts: dict[str, float]

    def cores(self, part: str) -> float:
        return self.parts.get(part, 0.0) / self.wall if self.wall > 0 else 0.0


Part = Callable[[], dict[int, float]]  # CPU seconds so far, by process or thread id


class Meter:
    """Read every part's counters now; ``stop()`` returns the use since then.

    A key present at the end only (a process started meanwhile) counts from zero; one gone
    by the end counts nothing after its last reading (a steady stream starts and ends none).
    """

    def __init__(self, parts: dict[str, Part]) -> None:
        self.parts = parts
        self.before = {name: read() for name, read in parts.items()}
        self.start = time.monotonic()

    def stop(self) -> Usage:
        after = {name: read() for name, read in self.parts.items()}
        wall = time.monotonic() - self.start
        used = {
            name: sum(max(0.0, v - self.before[name].get(key, 0.0)) for key, v in now.items())
            for name, now in after.items()
        }
        return Usage(wall, used)


def measure(parts: dict[str, Part], seconds: float) -> Usage:
    """Return each part's CPU use over the next ``seconds``."""
    meter = Meter(parts)
    time.sleep(seconds)
    return meter.stop()


def process_tree(pid: int) -> Part:
    """A part: the descendants of ``pid`` (not ``pid`` itself)."""
    return lambda: {child: cpu_seconds(child) for child in children(pid)}


def one_process(pid: int) -> Part:
    return lambda: {pid: cpu_seconds(pid)}


def main_thread(pid: int) -> Part:
    """A part: the thread that runs the ingest's event loop (its id is the process id)."""
    return lambda: {pid: cpu_seconds(pid, pid)}


def other_threads(pid: int) -> Part:
    """A part: every other thread (the packager's upload thread, sync_to_async's threads)."""
    return lambda: {tid: cpu_seconds(pid, tid) for tid in threads(pid) if tid != pid}
