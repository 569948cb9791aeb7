"""Real servers on the test database, and a websocket client that waits for frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect

from catalog.tests.processes import database_url
from config.tests.server import uvicorn

WAIT_SECONDS = 20.0  # a deadline for what must happen, not a pause: waits end when it does


def server_env(**extra: str) -> dict[str, str]:
    """Return the environment of a server on this test's database and media folder."""
    return {"DATABASE_URL": database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT), **extra}


@contextlib.contextmanager
def servers(count: int, env: dict[str, str]) -> Iterator[list[int]]:
    """Start ``count`` uvicorn processes sharing the database; yield their ports."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(uvicorn(env)) for _ in range(count)]


class Socket:
    """A channel page's websocket, as a browser opens it; remembers when each frame came."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.frames: list[tuple[float, dict[str, Any]]] = []

    async def next(self, timeout: float = WAIT_SECONDS, **match: Any) -> dict[str, Any]:
        """Return the next frame whose fields equal ``match``; fail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no frame like {match} within {timeout} s: {self.frames}")
            try:
                raw = await asyncio.wait_for(self.connection.recv(), remaining)
            except TimeoutError:
                continue
            frame = json.loads(raw)
            self.frames.append((time.time(), frame))
            if all(frame.get(key) == value for key, value in match.items()):
                return frame

    async def send(self, data: str | bytes) -> None:
        await self.connection.send(data)


@contextlib.asynccontextmanager
async def open_socket(
    port: int, slug: str, origin: str | None = None, cookie: str | None = None
) -> Any:
    """Open ``/ws/chat/{slug}/`` on the server at ``port`` from its own origin (with the
    session ``cookie`` of a signed-in user, if given)."""
    url = f"ws://127.0.0.1:{port}/ws/chat/{slug}/"
    headers = {"Cookie": cookie} if cookie else None
    async with connect(
        url,
        origin=origin or f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
        additional_headers=headers,
    ) as connection:
        yield Socket(connection)


def session_cookie(user: Any) -> str:
    """Return the ``Cookie`` header of a browser signed in as ``user``."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return f"{cookie.key}={cookie.value}"


def media_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name
