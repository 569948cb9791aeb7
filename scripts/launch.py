"""Run a command that dies with the process that started it: ``launch.py COMMAND [ARGS...]``.

The Procfile starts each process through this. A supervisor killed outright (SIGKILL, the
OOM killer, a closed terminal) runs no cleanup, and honcho starts each process in a session
of its own, so nothing else would stop them: uvicorn would keep the port and the worker its
jobs. Linux's PR_SET_PDEATHSIG makes the kernel send SIGKILL instead. It survives exec, so
this sets it and becomes the command (same pid, so signals and exit status pass unchanged).

It is cleared by fork, so ``children_die_with_me`` carries it down a process tree that
forks (honcho's runners, django-q2's cluster). Standard library only: no Django here.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

_parent_at_fork: list[int] = []


def die_with_parent(parent: int | None = None) -> None:
    """Have the kernel SIGKILL this process when its parent ends (Linux; elsewhere nothing).

    ``parent`` is the pid the parent had: if it ended before the request took effect, this
    process is already an orphan and ends now.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def _before_fork() -> None:
    _parent_at_fork[:] = [os.getpid()]


def _after_fork_in_child() -> None:
    die_with_parent(_parent_at_fork[0] if _parent_at_fork else None)


def children_die_with_me() -> None:
    """Make every process forked from here on (and their forks) die with its parent."""
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def main(argv: list[str]) -> int:
    """Exec ``argv`` as a process that dies with this one's parent."""
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    die_with_parent(os.getppid())
    try:
        os.execvp(argv[0], argv)  # noqa: S606 (the command as given, no shell)
    except OSError as exc:
        print(f"launch.py: cannot run {argv[0]}: {exc.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
