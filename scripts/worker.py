"""Run django-q2's cluster for the Procfile and stop it the way it expects.

honcho stops a process by sending SIGTERM to its whole process group. The cluster's children
die of that at once and the cluster then hangs until honcho kills it five seconds later. Here
the cluster runs in a process group of its own and only its main process gets SIGTERM: it
stops its workers cleanly, after which its remaining teardown is cut short. A transcode in
flight is not waited for beyond a short grace (ffmpeg dies with its worker): the next worker
to start on this machine takes its job back at once (catalog/transcoding/recovery.py).

Killed outright, this takes the whole cluster with it: the cluster runs as
``worker.py --cluster``, which dies with this process and makes each process it forks die
with its parent in turn (scripts/launch.py), down to ffmpeg.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from launch import children_die_with_me, die_with_parent  # scripts/ is on sys.path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 3.5  # below honcho's 5 s, after which it would kill us and not the cluster


def has_children(pid: int) -> bool:
    """Tell whether the cluster's main process still has its sentinel (Linux /proc)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return any((task / "children").read_text().strip() for task in tasks)
    except OSError:
        return False


def stop_cluster(cluster: subprocess.Popen[bytes]) -> None:
    """Ask the cluster to stop, wait until its workers are gone, then end its process group."""
    cluster.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while cluster.poll() is None and has_children(cluster.pid):
        if time.monotonic() > deadline:
            print("worker: a task is still running; stopping it (taken over after a restart)")
            break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):  # the group may be gone already
        os.killpg(cluster.pid, signal.SIGKILL)
    cluster.wait()


def run_cluster(args: list[str]) -> None:
    """Run qcluster in this process, every process it forks dying with its parent."""
    children_die_with_me()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "qcluster", *args])


def main() -> int:
    """Start qcluster, forward a stop to it, and return its exit status."""
    if sys.argv[1:2] == ["--cluster"]:
        run_cluster(sys.argv[2:])
        return 0
    cmd = [sys.executable, __file__, "--cluster", *sys.argv[1:]]
    cluster = subprocess.Popen(
        cmd,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=functools.partial(die_with_parent, os.getpid()),  # no threads here
    )
    stop_requested: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Only note it: Popen is not safe to use from inside a signal handler.
        stop_requested.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    while cluster.poll() is None:
        if stop_requested:
            stop_cluster(cluster)
            return 0
        time.sleep(0.1)
    return cluster.returncode


if __name__ == "__main__":
    sys.exit(main())
