"""A real uvicorn serving ``config.asgi`` in a subprocess, and a raw-socket client for it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

from django.conf import settings

WS_MAX_SIZE = 65536


@contextlib.contextmanager
def uvicorn(env: dict[str, str]) -> Iterator[int]:
    """Serve the project with uvicorn (``env`` on top of ours); yield the port it listens on.

    ``env`` should name a ``DATABASE_URL`` and a ``MEDIA_ROOT``: never the developer's. The
    test binds and listens, uvicorn inherits the socket: requests wait in its backlog until
    the server accepts them, so there is nothing to poll for.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env}
    cmd = [sys.executable, "-m", "uvicorn", "config.asgi:application"]
    cmd += ["--fd", str(listener.fileno()), "--lifespan", "off", "--log-level", "warning"]
    cmd += ["--ws-max-size", str(WS_MAX_SIZE)]  # as the Procfile's web line
    proc = subprocess.Popen(cmd, env=full_env, cwd=settings.BASE_DIR, pass_fds=[listener.fileno()])
    port = int(listener.getsockname()[1])
    listener.close()
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
