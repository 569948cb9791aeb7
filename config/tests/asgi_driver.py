"""Drive an ASGI app by hand, with a stand-in for Django that reads whole bodies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def scope(
    headers: dict[str, str], path: str, method: str = "POST", root_path: str = ""
) -> dict[str, Any]:
    """Build an HTTP scope as uvicorn would."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": root_path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def run(
    app: Any,
    headers: dict[str, str],
    chunks: Iterable[bytes],
    path: str = "/api/videos/",  # an upload route: UPLOAD_MAX_BYTES
    method: str = "POST",
    root_path: str = "",
) -> tuple[int, bytes, int]:
    """Drive an ASGI app by hand; return (status, body, how many chunks it pulled)."""
    pending = list(chunks)
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled < len(pending):
            pulled += 1
            return {"type": "http.request", "body": pending[pulled - 1], "more_body": True}
        if pulled == len(pending):
            pulled += 1
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope(headers, root_path + path, method, root_path), receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, pulled


class Echo:
    """A stand-in for Django: read the whole body, then answer with its length."""

    def __init__(self) -> None:
        self.seen = 0  # body bytes that reached the app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # as Django does: the request is aborted, nothing is sent
            self.seen += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(self.seen).encode()})
