"""Chat sockets in this process: the real ASGI websocket stack under WebsocketCommunicator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import User

WAIT_SECONDS = 10.0  # a deadline, not a pause: waits end when the frame comes
ORIGIN = b"http://testserver"


class WebsocketCommunicator(ApplicationCommunicator):
    """A websocket client speaking ASGI to the application in this process.

    channels ships one (channels.testing.WebsocketCommunicator), but its package imports
    Daphne, which this project does not use (uvicorn serves it): this is the same few lines
    over asgiref's ApplicationCommunicator.
    """

    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        path, _, query = path.partition("?")
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        super().__init__(application, scope)

    async def connect(self, timeout: float = WAIT_SECONDS) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        if answer["type"] == "websocket.close":
            return False, answer.get("code", 1000)
        return True, None

    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame: dict[str, Any] = {"type": "websocket.receive"}
        frame["text" if text_data is not None else "bytes"] = (
            text_data if text_data is not None else bytes_data
        )
        await self.send_input(frame)

    async def disconnect(self, code: int = 1000, timeout: float = WAIT_SECONDS) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def _application() -> Any:
    from config.asgi import application

    return application


@sync_to_async
def session_cookie(user: User) -> bytes:
    """Return a ``Cookie`` header value that signs ``user`` in (as the browser would send it)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


class ChatSocket:
    """A connected socket that keeps every frame it received and waits for the next one."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.frames: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self.joined: dict[str, dict[str, Any]] = {}

    async def next(self, timeout: float = WAIT_SECONDS, **match: Any) -> dict[str, Any]:
        """Return the next frame whose fields equal ``match``; fail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no frame like {match} within {timeout} s: {self.frames}")
            try:
                output = await self.communicator.receive_output(remaining)
            except TimeoutError:
                continue
            if output["type"] == "websocket.close":
                self.closed_with = output.get("code", 1000)
                raise AssertionError(f"closed ({self.closed_with}) before a frame like {match}")
            frame = json.loads(output["text"])
            self.frames.append(frame)
            if all(frame.get(key) == value for key, value in match.items()):
                return frame

    async def closed(self, timeout: float = WAIT_SECONDS) -> int:
        """Wait for the server to close the socket; return its close code."""
        deadline = time.monotonic() + timeout
        while self.closed_with is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"still open after {timeout} s: {self.frames}")
            with contextlib.suppress(TimeoutError):
                output = await self.communicator.receive_output(remaining)
                if output["type"] == "websocket.close":
                    self.closed_with = output.get("code", 1000)
                else:
                    self.frames.append(json.loads(output["text"]))
        return self.closed_with

    async def nothing(self, seconds: float = 0.5) -> None:
        """Assert that no frame comes for ``seconds`` (used only after an event that would have
        produced one sooner, to show it did not)."""
        assert await self.communicator.receive_nothing(seconds), self.frames

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        if isinstance(frame, bytes):
            await self.communicator.send_to(bytes_data=frame)
        else:
            text = frame if isinstance(frame, str) else json.dumps(frame)
            await self.communicator.send_to(text_data=text)

    async def say(self, text: str) -> dict[str, Any]:
        """Send a message and return the frame that answers it (its echo or an error)."""
        await self.send({"type": "message", "text": text})
        while True:
            frame = await self.next()
            if frame["type"] == "error" or (frame["type"] == "message" and frame["text"] == text):
                return frame


@contextlib.asynccontextmanager
async def chat_socket(
    slug: str,
    *,
    user: User | None = None,
    origin: bytes | None = ORIGIN,
    ticket: str | None = None,
    joined: bool = True,
) -> AsyncIterator[ChatSocket]:
    """Open ``/ws/chat/{slug}/`` as a browser page (``origin``) or an app (``origin=None``).

    ``joined``: wait for the frames every socket gets first (status, chat, viewer count,
    history), kept in ``socket.joined`` by event or type.
    """
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin))
    if user is not None:
        headers.append((b"cookie", await session_cookie(user)))
    path = f"/ws/chat/{slug}/" + (f"?ticket={ticket}" if ticket else "")
    communicator = WebsocketCommunicator(_application(), path, headers=headers)
    connected, _ = await communicator.connect(WAIT_SECONDS)
    assert connected, "the handshake was refused"
    socket = ChatSocket(communicator)
    try:
        if joined:
            socket.joined["status"] = await socket.next(type="system", event="status")
            socket.joined["chat"] = await socket.next(type="system", event="chat")
            socket.joined["history"] = await socket.next(type="history")
        yield socket
    finally:
        with contextlib.suppress(Exception):
            await communicator.disconnect()
        # Let the hub close the room's subscription before the test's loop ends.
        await asyncio.sleep(0)
