"""One client process of the chat_fanout benchmark: many websockets, a few of them senders.

Run by ``chat_fanout.py`` (``python bench/_chat_client.py``), it speaks JSON lines: the plan
arrives on stdin, then one command per line (``senders``, ``rest``, ``run``); it answers each
with one JSON line on stdout.

The websocket client is a minimal RFC 6455 one on an asyncio ``Protocol`` (uvloop when
installed) rather than the ``websockets`` package: the clients share the machine's two cores
with the server, and a frame parsed in a dozen lines of Python costs a fraction of what a
full client library spends on it, leaving the cores to the server being measured. It does
what the benchmark needs and no more: the handshake, unmasked frames from the server (no
fragmentation: servers send each chat frame whole), masked text frames to it, pong, close.

Every message text is ``bench SEQ SENT`` (``SENT`` from ``time.time()``: one machine, one
clock), so a receiver tells which message arrived and how long it took from the sender's
``send`` to its own ``data_received``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import resource
import sys
import time
from array import array
from typing import Any, cast

MESSAGE = b'{"type":"message"'
ERROR = b'{"type":"error"'
TEXT_KEY = b'"text":"'
CONNECT_TIMEOUT = 120.0  # a handshake can wait in the listen backlog while thousands connect


class Stats:
    """What one client process saw, summed over its sockets."""

    def __init__(self, messages: int) -> None:
        self.messages = messages
        self.t0 = 0.0
        self.received = 0  # first arrivals of a message at a socket
        self.duplicates = 0
        self.foreign = 0  # message frames that are not this run's (none expected)
        self.latencies = array("d")  # ms, one per first arrival
        self.worst = [0.0] * messages  # ms, the latest arrival of each message
        self.first = [float("inf")] * messages  # ms, the earliest arrival of each message
        self.per_second: dict[int, int] = {}  # arrivals by whole seconds since t0
        self.last_arrival = 0.0
        self.kinds: dict[str, int] = {}  # other frames by type
        self.errors: dict[str, int] = {}  # error frames by detail
        self.closes: dict[str, int] = {}  # closed sockets by close code ("lost": no close frame)


def _mask(payload: bytes) -> bytes:
    """Return a client frame's masking key followed by the masked payload."""
    key = os.urandom(4)
    n = len(payload)
    stream = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")
    return key + masked


def client_frame(opcode: int, payload: bytes) -> bytes:
    """Encode one final, masked client frame."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + _mask(payload)


class Socket(asyncio.Protocol):
    """One websocket: the handshake, then frames parsed straight from the stream."""

    def __init__(self, stats: Stats, request: bytes) -> None:
        self.stats = stats
        self.request = request
        self.seen = bytearray(stats.messages)  # 1 where message SEQ arrived
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.upgraded = False
        self.buffer = b""
        self.closed = False

    # --- asyncio.Protocol ---

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during the handshake: {exc!r}"))
        elif not self.closed:
            self.closed = True
            self.stats.closes["lost"] = self.stats.closes.get("lost", 0) + 1

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            status = buffer[: buffer.find(b"\r\n")]
            if not status.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(status.decode("latin-1")))
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded = True
            self.opened.set_result(None)
            buffer = buffer[end + 4 :]
        at, size = 0, len(buffer)
        while size - at >= 2:
            first, second = buffer[at], buffer[at + 1]
            length, head = second & 0x7F, 2
            if length == 126:
                if size - at < 4:
                    break
                length, head = int.from_bytes(buffer[at + 2 : at + 4], "big"), 4
            elif length == 127:
                if size - at < 10:
                    break
                length, head = int.from_bytes(buffer[at + 2 : at + 10], "big"), 10
            end = at + head + length
            if end > size:
                break
            self._frame(first & 0x0F, buffer[at + head : end], now)
            at = end
        self.buffer = buffer[at:] if at < size else b""

    # --- frames ---

    def _frame(self, opcode: int, payload: bytes, now: float) -> None:
        stats = self.stats
        if opcode == 1:
            if payload.startswith(MESSAGE):
                self._message(payload, now)
            elif payload.startswith(ERROR):
                detail = str(json.loads(payload).get("detail", ""))[:80]
                stats.errors[detail] = stats.errors.get(detail, 0) + 1
            else:
                kind = payload[9 : payload.find(b'"', 9)].decode("utf-8", "replace")
                stats.kinds[kind] = stats.kinds.get(kind, 0) + 1
        elif opcode == 9:  # ping: answer at once, or the server closes the socket
            self._write(client_frame(0xA, payload))
        elif opcode == 8:
            code = str(int.from_bytes(payload[:2], "big")) if len(payload) >= 2 else "none"
            if not self.closed:
                self.closed = True
                stats.closes[code] = stats.closes.get(code, 0) + 1
            self._write(client_frame(0x8, payload[:2]))
            assert self.transport is not None
            self.transport.close()

    def _message(self, payload: bytes, now: float) -> None:
        stats = self.stats
        start = payload.find(TEXT_KEY) + len(TEXT_KEY)
        text = payload[start : payload.find(b'"', start)].split(b" ")
        if len(text) != 3 or text[0] != b"bench":
            stats.foreign += 1
            return
        seq = int(text[1])
        if not 0 <= seq < stats.messages:
            stats.foreign += 1
            return
        if self.seen[seq]:
            stats.duplicates += 1
            return
        self.seen[seq] = 1
        stats.received += 1
        latency = (now - float(text[2])) * 1000.0
        stats.latencies.append(latency)
        if latency > stats.worst[seq]:
            stats.worst[seq] = latency
        if latency < stats.first[seq]:
            stats.first[seq] = latency
        second = int(now - stats.t0)
        stats.per_second[second] = stats.per_second.get(second, 0) + 1
        stats.last_arrival = now

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def say(self, text: str) -> bool:
        """Send a chat message; False if the socket is gone."""
        if self.closed or self.transport is None or self.transport.is_closing():
            return False
        frame = json.dumps({"type": "message", "text": text}).encode()
        self.transport.write(client_frame(0x1, frame))
        return True


def handshake(port: int, path: str, origin: str | None, cookie: str | None) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Client:
    """This process's sockets and senders."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.stats = Stats(int(plan["messages"]))
        self.sockets: list[Socket] = []
        self.senders: dict[int, Socket] = {}  # sender index -> its socket
        self.sent = 0
        self.not_sent = 0
        self.failures: dict[str, int] = {}

    async def connect(self, conns: list[list[Any]]) -> dict[str, Any]:
        """Open ``conns`` ([port, origin, cookie, sender index]), a bounded number at once."""
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(int(self.plan["concurrency"]))
        start = time.monotonic()

        async def one(port: int, origin: str | None, cookie: str | None, sender: int | None):
            async with gate:
                request = handshake(port, self.plan["path"], origin, cookie)
                try:
                    _, socket = await asyncio.wait_for(
                        loop.create_connection(
                            lambda: Socket(self.stats, request), "127.0.0.1", port
                        ),
                        CONNECT_TIMEOUT,
                    )
                    await asyncio.wait_for(socket.opened, CONNECT_TIMEOUT)
                except (OSError, TimeoutError, ConnectionError) as exc:
                    reason = f"{type(exc).__name__}: {exc}"[:120]
                    self.failures[reason] = self.failures.get(reason, 0) + 1
                    return
                self.sockets.append(socket)
                if sender is not None:
                    self.senders[sender] = socket

        await asyncio.gather(*(one(*conn) for conn in conns))
        return {
            "event": "connected",
            "open": len(self.sockets),
            "failures": self.failures,
            "seconds": round(time.monotonic() - start, 2),
        }

    async def run(self, order: dict[str, Any]) -> dict[str, Any]:
        """Send this process's share of the messages on schedule; count what arrives."""
        loop = asyncio.get_running_loop()
        t0, rate, senders = float(order["t0"]), float(order["rate"]), int(order["senders"])
        messages = self.stats.messages
        self.stats.t0 = t0
        offset = loop.time() - time.time()  # wall clock -> loop clock

        def send(seq: int, socket: Socket) -> None:
            if socket.say(f"bench {seq} {time.time():.6f}"):
                self.sent += 1
            else:
                self.not_sent += 1

        for seq in range(messages):
            socket = self.senders.get(seq % senders)
            if socket is not None:
                loop.call_at(t0 + seq / rate + offset, send, seq, socket)
        last_send = t0 + (messages - 1) / rate
        idle, cap = float(order["idle"]), last_send + float(order["drain"])
        everything = messages * len(self.sockets)
        while True:
            await asyncio.sleep(0.1)
            now = time.time()
            if now < last_send + 0.5:
                continue
            done = self.stats.received >= everything
            quiet = now - max(self.stats.last_arrival, last_send) > idle
            if done or quiet or now > cap:
                break
        stats = self.stats
        with open(order["latencies"], "wb") as out:
            stats.latencies.tofile(out)
        return {
            "event": "done",
            "sockets": len(self.sockets),
            "sent": self.sent,
            "not_sent": self.not_sent,
            "received": stats.received,
            "duplicates": stats.duplicates,
            "foreign": stats.foreign,
            "per_second": stats.per_second,
            "kinds": stats.kinds,
            "errors": stats.errors,
            "closes": stats.closes,
            "worst": [round(ms, 1) for ms in stats.worst],
            "first": [round(ms, 1) if ms != float("inf") else None for ms in stats.first],
            "drained_at": time.time(),
        }


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def main() -> None:
    loop = asyncio.get_running_loop()

    async def line() -> dict[str, Any]:
        text = await loop.run_in_executor(None, sys.stdin.readline)
        if not text:
            raise SystemExit(0)  # the benchmark went away
        return dict(json.loads(text))

    plan = await line()
    client = Client(plan)
    conns = plan["conns"]
    while True:
        order = await line()
        command = order["command"]
        if command == "senders":
            _reply(await client.connect([c for c in conns if c[3] is not None]))
        elif command == "rest":
            _reply(await client.connect([c for c in conns if c[3] is None]))
        elif command == "run":
            _reply(await client.run(order))
        elif command == "exit":
            for socket in client.sockets:
                if socket.transport is not None:
                    socket.transport.abort()
            return


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    with contextlib.suppress(KeyboardInterrupt):
        runner(main())
