"""A real ingest process on the test database, and ffmpeg publishing to it as OBS does."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from catalog.tests.processes import worker_env
from conftest import FFMPEG


@dataclass
class Ingest:
    """A running ``manage.py ingest``: its process, port and log file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, key: str) -> str:
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def ingest_server(work_dir: Path, **env: str) -> Iterator[Ingest]:
    """Run the ingest on a socket bound here (connections wait in its backlog: no polling)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    log = work_dir / f"ingest-{listener.getsockname()[1]}.log"
    defaults = {"LIVE_WORK_DIR": str(work_dir / "live"), "LIVE_TRANSCODE_LADDER": "false"}
    full_env = worker_env(**{**defaults, "REDIS_URL": "", **env})
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "ingest", "--fd", str(listener.fileno())],
            env=full_env,
            cwd=settings.BASE_DIR,
            pass_fds=[listener.fileno()],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    ingest = Ingest(process, int(listener.getsockname()[1]), log)
    listener.close()
    try:
        yield ingest
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def publish(
    url: str, *, seconds: float | None = None, size: str = "640x360", gop: int = 30
) -> subprocess.Popen[bytes]:
    """Publish a generated stream (test picture and a tone) in real time, as an encoder does."""
    duration = ["-t", str(seconds)] if seconds else []
    cmd = [
        FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        *duration,
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "64k", "-f", "flv", url,
    ]  # fmt: skip
    return subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env={"PATH": os.environ["PATH"]}
    )


def decoded_seconds(path: Path) -> float:
    """Play ``path`` through ffmpeg to the end; return the media time it decoded."""
    proc = subprocess.run(
        [FFMPEG, "-hide_banner", "-v", "error", "-stats", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    times = [part.split("=", 1)[1] for part in proc.stderr.split() if part.startswith("time=")]
    hours, minutes, seconds = times[-1].split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
