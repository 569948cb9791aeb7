"""Who holds a lease: this process's identity, and whether a recorded holder is provably gone.

A lease records the machine and process of its runner, so that a worker starting on the same
machine can take back at once the jobs of a runner that died (Ctrl-C, SIGKILL, out of
memory) instead of waiting for the lease to expire. "Provably" is the point: a job is taken
back only when its holder ran in this very process namespace, since this boot, and no process
with its pid and start time exists any more. Anything less certain (another machine, another
container, no /proc) is left to the lease's expiry.

Linux only (/proc); elsewhere ``current`` is None and leases only expire.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
HOST_MAX_LENGTH = 255


@dataclass(frozen=True)
class Holder:
    """A process: the machine it runs on, its pid, and when it started."""

    host: str  # hostname, boot id and pid namespace: the scope in which a pid means something
    pid: int
    started: int  # clock ticks after boot (field 22 of /proc/PID/stat): defeats pid reuse


def _stat(pid: int) -> list[str] | None:
    """Return the fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name is in parentheses and may itself hold spaces or parentheses.
    return text.rsplit(")", 1)[1].split()


def _start_time(fields: list[str]) -> int:
    return int(fields[19])  # field 22 of stat; fields[0] is field 3 (the state)


def host_key() -> str | None:
    """Name the scope in which this machine's pids are unique, or None without /proc.

    The hostname alone is not enough: containers may share one, each with pids of its own,
    and a reboot reuses every pid. So the boot id and the pid namespace are part of it.
    """
    try:
        boot = (PROC / "sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink(PROC / "self/ns/pid")
    except OSError:
        return None
    return f"{socket.gethostname()} {boot} {namespace}"[:HOST_MAX_LENGTH]


def current() -> Holder | None:
    """Describe this process (read afresh: a forked worker is a new holder)."""
    host = host_key()
    fields = _stat(os.getpid())
    if host is None or fields is None:
        return None
    return Holder(host, os.getpid(), _start_time(fields))


def gone(held: Holder) -> bool:
    """Tell whether ``held`` provably no longer runs (False when that cannot be known here)."""
    if held.host != host_key():
        return False  # another machine or container: its lease has to expire
    fields = _stat(held.pid)
    if fields is None:
        return True
    if fields[0] in ("Z", "X"):  # dead, only not yet reaped by its parent
        return True
    return _start_time(fields) != held.started  # the pid now belongs to another process
