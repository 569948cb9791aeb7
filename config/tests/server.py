"""A real uvicorn serving ``config.asgi`` in a subprocess, and a raw-socket client for it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

from django.conf import settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def uvicorn(env: dict[str, str]) -> Iterator[int]:
    """Serve the project with uvicorn on a free port (``env`` on top of ours); yield the port.

    ``env`` should name a ``DATABASE_URL`` and a ``MEDIA_ROOT``: never the developer's.
    """
    port = _free_port()
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env}
    cmd = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port)]
    cmd += ["--host", "127.0.0.1", "--lifespan", "off", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=full_env, cwd=settings.BASE_DIR)
    try:
        for _ in range(300):  # up to ~30 s on a busy machine
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, "uvicorn exited before it listened"
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes to the server and return everything it answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def chunked(body: bytes, size: int = 64 * 1024) -> bytes:
    """Frame ``body`` in HTTP/1.1 chunked transfer coding (no length announced)."""
    frames = b"".join(
        f"{len(body[at : at + size]):x}\r\n".encode() + body[at : at + size] + b"\r\n"
        for at in range(0, len(body), size)
    )
    return frames + b"0\r\n\r\n"
