"""Helpers for tests that run real processes: workers on the test database, process trees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from conftest import FFMPEG


def database_url() -> str:
    """Point a subprocess at the test database (SQLite file or PostgreSQL)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    """Return the environment of a worker that shares this test's database and folders."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TRANSCODE_WORK_DIR": str(settings.TRANSCODE_WORK_DIR),
        "TRANSCODE_PRESET": "ultrafast",
        "Q_WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def realtime_ffmpeg(folder: Path) -> Path:
    """Write an ffmpeg that reads its input at the real rate when it renders the ladder.

    A ladder run then lasts as long as the clip on any machine, however fast: a test can
    catch it mid-encode by waiting for its first progress, with no race against the encode.
    Other runs (poster, sprite) stay at full speed. Point ``IMAGEIO_FFMPEG_EXE`` at it.
    """
    script = folder / "ffmpeg-realtime"
    script.write_text(
        "#!/bin/sh\n"
        'case " $* " in\n'
        f'  *" -var_stream_map "*) exec "{FFMPEG}" -readrate 1 "$@" ;;\n'
        "esac\n"
        f'exec "{FFMPEG}" "$@"\n'
    )
    script.chmod(0o755)
    return script


def stat_fields(pid: int) -> list[str]:
    """Return the fields after the command name in /proc/PID/stat (state, ppid, ...)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if len(fields) > 1 and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Return every living process below ``pid`` (children first, then theirs)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        kids = [kid for kid in children(todo.pop()) if alive(kid)]
        found += kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    fields = stat_fields(pid)
    return bool(fields) and fields[0] not in ("Z", "X")  # a zombie is dead, only not reaped


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


class RecordingPopen(subprocess.Popen[Any]):
    """Popen that remembers every process it started (to kill or check that very process)."""

    started: list[subprocess.Popen[Any]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingPopen.started.append(self)


def record_ffmpegs(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[Any]]:
    """Record the ffmpeg processes run_ffmpeg starts from now on (a live list)."""
    from catalog.transcoding import process

    RecordingPopen.started = []
    monkeypatch.setattr(process.subprocess, "Popen", RecordingPopen)
    return RecordingPopen.started


def on_first_progress(monkeypatch: pytest.MonkeyPatch, action: Callable[[Any], None]) -> None:
    """Run ``action(heartbeat)`` once, when the ladder's ffmpeg first reports progress.

    That is the first beat from run_ffmpeg's loop with a percentage above zero: ffmpeg is
    then running and has written output (forced beats come from the pipeline's own steps).
    """
    from catalog.transcoding import jobs

    real = jobs.Heartbeat.__call__
    done: list[bool] = []

    def beat(self: jobs.Heartbeat, percent: float | None = None, **kwargs: Any) -> None:
        if percent and not kwargs.get("force") and not done:
            done.append(True)
            action(self)
        real(self, percent, **kwargs)

    monkeypatch.setattr(jobs.Heartbeat, "__call__", beat)


StartWorker = Callable[..., subprocess.Popen[bytes]]


def stop(worker: subprocess.Popen[bytes]) -> None:
    """Stop a worker as honcho does (SIGTERM), and wait until its whole tree is gone."""
    tree = descendants(worker.pid)
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    wait_for(lambda: not any(alive(pid) for pid in tree), 30, "the worker's processes to end")


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[StartWorker]:
    """``start_worker(**env)``: run scripts/worker.py on the test database; stopped after."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "scripts/worker.py"],
                cwd=settings.BASE_DIR,
                env=worker_env(**env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop(worker)
