"""The chat_fanout benchmark's throwaway world: Redis, uvicorn servers, and their readings.

Every process starts through ``scripts/launch.py`` (as the Procfile's do), so the kernel
kills it if the benchmark dies without cleaning up; ``Processes`` stops them in the normal
case, newest first. Readings come from ``/proc``: a process's resident memory (``VmRSS``)
and the CPU time it has used (user + system, all its threads).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LAUNCH = [PYTHON, str(ROOT / "scripts" / "launch.py")]
TICKS = os.sysconf("SC_CLK_TCK")
BACKLOG = 4096  # the listen backlog: thousands of handshakes arrive together


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_kb(pid: int) -> int:
    """Return the resident memory of process ``pid`` in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time process ``pid`` has used, user + system, in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def machine_busy_seconds() -> tuple[float, float]:
    """Return the CPU time all cores spent busy, and the part of it in interrupts (/proc/stat).

    Interrupt time (irq + softirq) is counted to no process: on loopback, much of the TCP
    work of delivering a frame runs there, so it belongs to the benchmark's own traffic.
    """
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    busy = sum(fields[:8]) - idle  # user..steal; guest time is inside user
    return busy / TICKS, (fields[5] + fields[6]) / TICKS


class Processes:
    """The processes the benchmark started; ``stop_all`` ends them, newest first."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[Any]] = []

    def start(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        proc = subprocess.Popen([*LAUNCH, *cmd], cwd=ROOT, **kwargs)
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.running)):
            self.stop(proc)


def start_redis(procs: Processes, folder: Path) -> tuple[subprocess.Popen[Any], str]:
    """Start Debian's redis-server on a free loopback port, no persistence; return its URL."""
    import redis

    executable = shutil.which("redis-server")
    if executable is None:
        sys.exit("redis-server not found: install Debian's redis-server package.")
    for _ in range(5):  # a free port can be taken before the server binds it
        port = free_port()
        server = procs.start(
            [
                executable, "--port", str(port), "--bind", "127.0.0.1",
                "--protected-mode", "yes", "--dir", str(folder), "--save", "",
                "--appendonly", "no", "--logfile", str(folder / "redis.log"),
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    if client.ping():
                        return server, f"redis://127.0.0.1:{port}/0"
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        procs.stop(server)
    sys.exit(f"redis-server did not start: {(folder / 'redis.log').read_text()[-2000:]}")


class Server:
    """One uvicorn process serving ``app`` on a listening socket it inherits."""

    def __init__(
        self, procs: Processes, app: list[str], env: dict[str, str], log: IO[bytes]
    ) -> None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(BACKLOG)
        self.port = int(listener.getsockname()[1])
        cmd = [PYTHON, "-m", "uvicorn", *app, "--fd", str(listener.fileno())]
        cmd += ["--lifespan", "off", "--log-level", "warning", "--no-access-log"]
        cmd += ["--ws-max-size", "65536", "--backlog", str(BACKLOG)]  # as the Procfile's web
        cmd += ["--timeout-graceful-shutdown", "3"]
        self.proc = procs.start(
            cmd, env=env, pass_fds=[listener.fileno()], stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        listener.close()  # uvicorn holds it now; connections wait in the backlog until it serves

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"
