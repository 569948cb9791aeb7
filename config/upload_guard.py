"""An ASGI guard that refuses request bodies over their route's limit before Django reads them.

Django's ASGI handler reads the whole body (to a temporary file) before any view runs, so a
view cannot refuse a huge upload early. Each route's limit comes from ``config/body_limits.py``
(``UPLOAD_MAX_BYTES`` on the upload routes, ``SUBTITLE_MAX_BYTES`` on the subtitle ones,
``DATA_UPLOAD_MAX_MEMORY_SIZE`` everywhere else). This guard answers 413 at once when
``Content-Length`` is too large, and otherwise counts the body as it arrives: once over the
limit it hands Django ``http.disconnect`` (Django then drops the request, no view runs) and
sends the 413 itself. Chunked bodies without ``Content-Length`` are caught by the counting.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from common.units import human_bytes
from config.body_limits import BodyLimit, limit_for

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # loose: Django's and Channels' own hints differ

# After cutting a body off, read (and drop) a bounded rest of it before answering: a server
# that closes with unread input makes the kernel reset the connection, and the client then
# sees "connection reset" instead of our 413 (nginx's lingering close does the same).
DRAIN_BYTES = 16 * 1024 * 1024
DRAIN_SECONDS = 5.0


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _message(limit: BodyLimit, size: int | None) -> str:
    allowed = human_bytes(limit.allowed() or 0)
    if size is None:
        return f"The {limit.what} is larger than {allowed}; the largest allowed is {allowed}."
    return f"The {limit.what} is {human_bytes(size)}; the largest allowed is {allowed}."


async def send_413(send: Send, limit: BodyLimit, size: int | None) -> None:
    """Answer 413 with a JSON ``detail`` and close the connection (the body is unread)."""
    body = json.dumps({"detail": _message(limit, size)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def drain(receive: Receive) -> None:
    """Read and discard what is left of a request body, up to a bound in bytes and time."""
    drained = 0
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            while drained <= DRAIN_BYTES:
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body"):
                    return
                drained += len(message.get("body", b""))
    except TimeoutError:
        return


class UploadSizeGuard:
    """Wrap an ASGI app; refuse HTTP request bodies larger than their route accepts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route_limit = limit_for(scope)
        limit = route_limit.max_body()
        if limit is None:  # the setting says "no limit" (Django's DATA_UPLOAD_MAX_MEMORY_SIZE)
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await send_413(send, route_limit, declared)
            return

        received = 0
        tripped = False
        body_ended = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, tripped, body_ended
            if tripped:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_ended = not message.get("more_body")
                if received > limit:
                    tripped = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, tracking_send)
        if tripped and not started:
            if not body_ended:
                await drain(receive)
            await send_413(send, route_limit, None)


def guard(app: ASGIApp) -> UploadSizeGuard:
    """Put the upload-size guard in front of ``app``."""
    return UploadSizeGuard(app)
