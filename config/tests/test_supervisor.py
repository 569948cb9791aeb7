"""make run's supervisor: what it starts dies with it, even when it is killed outright."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from catalog.tests.processes import alive, command_line, descendants, wait_for, worker_env

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's"
)


def supervise(procfile: Path, log: Path, *args: str, env: dict[str, str] | None = None):
    """Start scripts/supervise.py (honcho) on ``procfile``, as scripts/run.sh does."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [PYTHON, "scripts/supervise.py", "--no-colour", "-e", "/dev/null", "-f",
             str(procfile), "start", *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def running(supervisor: subprocess.Popen[bytes], *commands: str) -> bool:
    """Tell whether every command has started under the supervisor (by its command line)."""
    lines = [command_line(pid) for pid in descendants(supervisor.pid)]
    return all(any(line.startswith(command) for line in lines) for command in commands)


@pytest.fixture
def harmless(tmp_path: Path) -> Path:
    """A Procfile that starts two idle processes through the launcher, as the real one does."""
    procfile = tmp_path / "Procfile"
    launch = ROOT / "scripts/launch.py"
    procfile.write_text(
        f"sleeper: exec {PYTHON} {launch} sleep 1000\n"
        f"waiter: exec {PYTHON} {launch} {PYTHON} -c 'import signal; signal.pause()'\n"
    )
    return procfile


IDLE = ("sleep 1000", f"{PYTHON} -c import signal")


def test_processes_die_with_a_supervisor_killed_outright(harmless: Path, tmp_path: Path) -> None:
    supervisor = supervise(harmless, tmp_path / "log")
    try:
        wait_for(lambda: running(supervisor, *IDLE), 60, "the processes to start")
        tree = descendants(supervisor.pid)
    finally:
        supervisor.kill()  # as kill -9 or the OOM killer would: honcho cleans nothing up
        supervisor.wait()
    wait_for(lambda: not any(alive(pid) for pid in tree), 30, "the processes to die with it")


def test_ctrl_c_still_stops_them_in_order(harmless: Path, tmp_path: Path) -> None:
    supervisor = supervise(harmless, tmp_path / "log")
    wait_for(lambda: running(supervisor, *IDLE), 60, "the processes to start")
    tree = descendants(supervisor.pid)
    supervisor.send_signal(signal.SIGINT)
    assert supervisor.wait(timeout=60) == 130  # scripts/run.sh reads this as a normal stop
    assert not any(alive(pid) for pid in tree)
    log = (tmp_path / "log").read_text()
    assert "sending SIGTERM to sleeper.1" in log and "sleeper.1 stopped (rc=-15)" in log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the worker and the web process use the test database
def test_make_run_leaves_no_process_and_no_port_behind_when_killed(tmp_path: Path) -> None:
    port, ingest_port = free_port(), free_port()
    log = tmp_path / "log"
    env = worker_env(
        HOST="127.0.0.1",
        PORT=str(port),
        LIVE_INGEST_PORT=str(ingest_port),
        LIVE_WORK_DIR=str(tmp_path / "live"),
    )
    supervisor = supervise(ROOT / "Procfile", log, "-p", str(port), env=env)
    try:
        wait_for(
            lambda: (
                healthy(port)
                and "running." in log.read_text()
                and "ingest: listening" in log.read_text()
            ),
            120,
            f"web and worker to start:\n{log.read_text()}",
        )
        tree = descendants(supervisor.pid)
        assert any(
            "qcluster" in command_line(pid) or "--cluster" in command_line(pid) for pid in tree
        )
    finally:
        supervisor.kill()
        supervisor.wait()
    wait_for(lambda: not any(alive(pid) for pid in tree), 30, "web and worker to die with it")
    assert port_is_free(port), "the next make run could not listen"
    assert port_is_free(ingest_port), "the next make run's ingest could not listen"
