"""The processes the live_latency benchmark runs: a throwaway site, its web server and the
ingest (the encoder is in ``_live_encoder.py``).

Everything lives in one temporary folder (SQLite database, media, the packager's files), so
a run touches neither the developer's ``var/`` nor their database. Each process is started
through ``scripts/launch.py`` (the kernel kills it if this script dies without cleaning up)
in a session of its own (Ctrl-C reaches this script only, which stops them in order: the
encoder, then the ingest, then the web server).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAUNCH = ROOT / "scripts" / "launch.py"
WAIT_SECONDS = 60.0  # a deadline for a step (start-up, going live), not a pause


class BenchError(Exception):
    """The benchmark could not run (a process died, a step timed out); says what and why."""


@dataclass
class Child:
    """A process this benchmark started, with the file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def check(self) -> None:
        """Raise BenchError if the process has exited."""
        code = self.process.poll()
        if code is not None:
            raise BenchError(f"{self.name} exited with code {code}:\n{self.tail()}")


def _stop(child: Child, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    process = child.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start(
    stack: contextlib.ExitStack,
    name: str,
    cmd: list[str],
    *,
    env: dict[str, str],
    log: Path,
    listener: socket.socket | None = None,
    stop_timeout: float = 30.0,
    pipe_stdout: bool = False,
) -> Child:
    """Start ``cmd`` (dies with this script); ``stack`` stops it, last started first.

    Its output goes to ``log``; with ``pipe_stdout``, only its stderr (stdout is a pipe).
    """
    fds = [listener.fileno()] if listener is not None else []
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(LAUNCH), *cmd],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipe_stdout else out,
            stderr=out if pipe_stdout else subprocess.STDOUT,
            pass_fds=fds, start_new_session=True,
        )  # fmt: skip
    if listener is not None:
        listener.close()  # the child holds it now
    child = Child(name, process, log)
    stack.callback(_stop, child, stop_timeout)
    return child


def listening_socket() -> tuple[socket.socket, int]:
    """Bind a free loopback port and listen: a server started on it inherits the socket,
    and connections made before it is ready wait in the backlog (no port race, no polling)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener, int(listener.getsockname()[1])


def site_env(folder: Path) -> dict[str, str]:
    """Return the environment of every process of the throwaway site in ``folder``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # else dev writes one into var/
        "DJANGO_DEBUG": "true",  # static files from the finders: no collectstatic into var/
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "LIVE_WORK_DIR": str(folder / "live-work"),
        "TRANSCODE_WORK_DIR": str(folder / "work"),
        "STORAGE_BACKEND": "local",
        "REDIS_URL": "",  # the embedded defaults: the bus through the database
        "PYTHONUNBUFFERED": "1",
    }


@dataclass(frozen=True)
class Site:
    """The channels of a run: ``keys`` by slug, and where the baseline's HLS goes."""

    keys: dict[str, str]
    baseline_prefix: str


def make_site(env: dict[str, str], slugs: list[str]) -> Site:
    """Migrate the throwaway database and create a streamer's channels through the services.

    The baseline gets a channel of its own with a session row, as the ingest would open:
    its files then sit under ``live/{channel}/{session}/`` and the media view serves them
    exactly as ours (the same access check, ``Cache-Control: no-cache`` on playlists).
    """
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from accounts.models import User
    from live import services
    from live.models import LiveSession

    call_command("migrate", verbosity=0, interactive=False)
    streamer = User.objects.create_user("bench-streamer", password=None)
    keys = {}
    for slug in slugs:
        channel = services.channel_create(owner=streamer, slug=slug, title=slug)
        keys[slug] = services.stream_key(channel)
    other = User.objects.create_user("bench-baseline", password=None)
    baseline = services.channel_create(owner=other, slug="bench-baseline", title="baseline")
    # Held for a day by no ingest: no ingest that starts takes it for an orphan and ends it.
    session = LiveSession(channel=baseline, lease_expires_at=timezone.now() + timedelta(days=1))
    session.output_prefix = f"live/{baseline.pk}/{session.pk}"
    session.save(force_insert=True)
    connections.close_all()  # the servers share the SQLite file; hold no connection to it
    return Site(keys, session.output_prefix)


def start_web(stack: contextlib.ExitStack, env: dict[str, str], folder: Path) -> tuple[Child, str]:
    """Serve the site with uvicorn as the Procfile does; return it and its base URL."""
    listener, port = listening_socket()
    cmd = [
        sys.executable, "-m", "uvicorn", "config.asgi:application",
        "--fd", str(listener.fileno()), "--lifespan", "off", "--no-server-header",
        "--ws-max-size", "65536", "--log-level", "warning",
    ]  # fmt: skip
    web = start(stack, "the web server", cmd, env=env, log=folder / "web.log", listener=listener)
    base = f"http://127.0.0.1:{port}"
    get(f"{base}/healthz", timeout=WAIT_SECONDS)  # waits in the backlog until it serves
    return web, base


def start_ingest(
    stack: contextlib.ExitStack, env: dict[str, str], folder: Path, *, ladder: bool
) -> tuple[Child, int]:
    """Run ``manage.py ingest``; ``ladder=False`` is LIVE_TRANSCODE_LADDER=false (copy only)."""
    listener, port = listening_socket()
    cmd = [sys.executable, "manage.py", "ingest", "--fd", str(listener.fileno())]
    name = "ladder" if ladder else "copy"
    ingest = start(
        stack, f"the ingest ({name})", cmd,
        # DEBUG off as in production: Django then keeps no log of every query.
        env={**env, "LIVE_TRANSCODE_LADDER": str(ladder).lower(), "DJANGO_DEBUG": "false"},
        log=folder / f"ingest-{name}.log", listener=listener,
    )  # fmt: skip
    wait_until(lambda: "ingest: listening" in ingest.tail(50), "the ingest to start", [ingest])
    return ingest, port


def get(url: str, timeout: float = 10.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our server)
        return bytes(response.read())


def wait_until(condition: Callable[[], bool], what: str, watched: list[Child]) -> None:
    """Poll ``condition()`` until true; raise BenchError if a watched process dies first."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        for child in watched:
            child.check()
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {c.name}:\n{c.tail()}" for c in watched)
            raise BenchError(f"timed out after {WAIT_SECONDS:.0f} s waiting for {what}\n{logs}")
        time.sleep(0.2)


def wait_live(base: str, slug: str, watched: list[Child]) -> str:
    """Wait for the channel to go live (as its page learns it); return its master playlist."""
    found: dict[str, str] = {}

    def live() -> bool:
        channel = json.loads(get(f"{base}/api/channels/{slug}/"))
        if channel["is_live"] and channel["hls_url"]:
            found["url"] = channel["hls_url"]
        return "url" in found

    wait_until(live, f"channel {slug} to go live", watched)
    return found["url"]


def renditions(base: str, master: str) -> list[str]:
    """Return the heights the master playlist offers, e.g. ``["720p", "480p"]``."""
    text = get(f"{base}{master}" if master.startswith("/") else master).decode()
    return [f"{h}p" for h in re.findall(r"RESOLUTION=\d+x(\d+)", text)]


def packager_codecs(pids: list[int]) -> tuple[int, int]:
    """Count the renditions the packager's ffmpeg copies and encodes, from its command line."""
    copied = encoded = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
            for option, value in itertools.pairwise(args):
                if option.startswith("-c:v:"):
                    copied += value == "copy"
                    encoded += value != "copy"
    return copied, encoded
