"""A real Redis server for the tests: throwaway, on loopback, for the whole session.

``redis_server`` starts Debian's ``redis-server`` on a free port with a temporary directory and
no persistence, and stops it at the end; ``redis_cache`` points Django's default cache at it
(an empty database for each test), as production does when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

MISSING = (
    "redis-server not found: the tests need a real Redis server. Install Debian's redis-server "
    "package (sudo apt-get install redis-server; scripts/test-deps.sh does it as root)."
)
READY_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(executable: str, folder: Path, port: int) -> subprocess.Popen[bytes] | None:
    """Start a server on ``port`` and return it once it answers PING; None if it exited."""
    server = subprocess.Popen(
        [
            executable,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--dir", str(folder),
            "--save", "",  # no snapshots
            "--appendonly", "no",
            "--logfile", str(folder / f"redis-{port}.log"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + READY_SECONDS
    try:
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return server
            except redis.ConnectionError:
                pass
            try:  # wakes at once if the server exits (its port taken meanwhile): try another
                server.wait(timeout=0.05)
                return None
            except subprocess.TimeoutExpired:
                pass
    finally:
        client.close()
    stop(server)
    log = (folder / f"redis-{port}.log").read_text(errors="replace")[-2000:]
    pytest.fail(f"redis-server did not answer PING within {READY_SECONDS} s:\n{log}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a throwaway Redis server for the session; yield its URL."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(MISSING, pytrace=False)
    folder = tmp_path_factory.mktemp("redis")
    for _ in range(5):  # a free port can be taken before the server binds it
        port = free_port()
        server = start(executable, folder, port)
        if server is not None:
            break
    else:
        log = "\n".join(path.read_text(errors="replace") for path in folder.glob("*.log"))
        pytest.fail(f"redis-server exited at start five times:\n{log[-2000:]}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


@pytest.fixture
def redis_cache(settings, redis_server: str) -> str:
    """Point the default cache at the test Redis server, emptied; return its URL."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server,
        },
    }
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    client.close()
    return redis_server


@pytest.fixture(params=["database", "redis"])
def shared_cache(request: pytest.FixtureRequest) -> str:
    """Run the test on each cache the limits may count in: the database's, and Redis."""
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    return str(request.param)
