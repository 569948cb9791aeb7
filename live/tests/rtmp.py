"""Helpers for the RTMP tests: a recording authorize, ffmpeg publishers and a raw client."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import FFMPEG
from live.ingest import amf0, flv, handshake, messages
from live.ingest.chunks import ChunkReader, ChunkWriter, Message
from live.ingest.server import Connection, FlvTag, Limits, PublishRequest, Refused, RtmpServer

GOOD_KEY = "good-7f9a2c41e0"  # distinctive, so that a test can look for it in the logs
WRONG_KEY = "wrong-31b8d0c2"
BOUND = 5.0  # seconds any single wait in these tests may take before it counts as a failure


class Recorder:
    """A Publisher that keeps what it is given, and lets tests wait for it."""

    def __init__(self, request: PublishRequest, connection: Connection) -> None:
        self.request = request
        self.connection = connection
        self.tags: list[FlvTag] = []
        self.ends: list[tuple[bool, str]] = []
        self.changed = asyncio.Condition()

    async def on_media(self, tag: FlvTag) -> None:
        async with self.changed:
            self.tags.append(tag)
            self.changed.notify_all()

    async def on_end(self, *, clean: bool, reason: str) -> None:
        async with self.changed:
            self.ends.append((clean, reason))
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = BOUND) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(predicate)

    async def wait_for_tags(self, count: int, timeout: float = BOUND) -> None:
        await self.wait_for(lambda: len(self.tags) >= count, timeout)

    async def wait_for_end(self, timeout: float = BOUND) -> tuple[bool, str]:
        await self.wait_for(lambda: bool(self.ends), timeout)
        return self.ends[0]

    def write_flv(self, path: Path) -> Path:
        path.write_bytes(flv.file_header() + b"".join(tag.to_bytes() for tag in self.tags))
        return path


@dataclass
class Hub:
    """The fake orchestration: accepts GOOD_KEY, records every publisher it hands out."""

    publishers: list[Recorder] = field(default_factory=list)
    requests: list[PublishRequest] = field(default_factory=list)
    refused_at: list[float] = field(default_factory=list)
    failure: Exception | None = None  # raised by authorize instead of deciding
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def authorize(self, request: PublishRequest, connection: Connection) -> Recorder:
        self.requests.append(request)
        if self.failure is not None:
            raise self.failure
        if request.stream_key != GOOD_KEY:
            self.refused_at.append(time.monotonic())
            raise Refused("Unknown stream key.")
        recorder = Recorder(request, connection)
        async with self.changed:
            self.publishers.append(recorder)
            self.changed.notify_all()
        return recorder

    async def first_publisher(self, timeout: float = BOUND + 10) -> Recorder:
        """Wait for the first accepted publisher (ffmpeg starts its encoder first)."""
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: bool(self.publishers))
        return self.publishers[0]


@contextlib.asynccontextmanager
async def running_server(limits: Limits | None = None) -> AsyncIterator[tuple[RtmpServer, Hub]]:
    hub = Hub()
    server = RtmpServer(authorize=hub.authorize, limits=limits or Limits())
    await server.start("127.0.0.1", 0)
    try:
        yield server, hub
    finally:
        await server.close()


def publish_args(port: int, key: str, *, seconds: float, size: str = "640x360") -> list[str]:
    """Return ffmpeg's arguments to publish a generated stream in real time, as OBS would."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "info", "-re",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", "30",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
        "-f", "flv", f"rtmp://127.0.0.1:{port}/live/{key}",
    ]  # fmt: skip


@contextlib.asynccontextmanager
async def ffmpeg_publisher(
    port: int, key: str = GOOD_KEY, *, seconds: float = 60, size: str = "640x360"
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run an ffmpeg publisher; kill it if the test leaves it running."""
    process = await asyncio.create_subprocess_exec(
        *publish_args(port, key, seconds=seconds, size=size),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.communicate()


async def finish(process: asyncio.subprocess.Process, timeout: float) -> tuple[int, str]:
    """Wait for ffmpeg to exit; return its code and its stderr."""
    async with asyncio.timeout(timeout):
        _, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stderr.decode(errors="replace")


class RawClient:
    """Speak RTMP by hand: for sequences no encoder sends, and for hostile bytes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.chunks = ChunkReader(max_chunk_size=65536, max_message_bytes=1 << 24)
        self.out = ChunkWriter()
        self.inbox: list[Message] = []

    @classmethod
    async def open(cls, port: int, *, source: str = "127.0.0.1") -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        return cls(reader, writer)

    async def handshake(self) -> None:
        self.writer.write(bytes((handshake.VERSION,)) + bytes(handshake.PACKET_BYTES))
        async with asyncio.timeout(BOUND):
            reply = await self.reader.readexactly(1 + 2 * handshake.PACKET_BYTES)
        self.writer.write(reply[1 : 1 + handshake.PACKET_BYTES])

    def send(self, message: Message, csid: int = messages.COMMAND_CSID) -> None:
        self.writer.write(self.out.encode(message, csid))

    def command(self, name: str, transaction: float, *args: Any, stream_id: int = 0) -> None:
        self.send(messages.command(name, transaction, *args, stream_id=stream_id))

    async def connect(self, app: str = "live") -> None:
        """Handshake, connect and create stream 1, as ffmpeg does before it publishes."""
        await self.handshake()
        self.command("connect", 1, {"app": app, "type": "nonprivate"})
        await self.expect_command("_result")
        self.command("createStream", 2, None)
        await self.expect_command("_result")

    async def receive(self) -> Message:
        """Return the next message from the server (EOFError if it closes first)."""
        async with asyncio.timeout(BOUND):
            while not self.inbox:
                data = await self.reader.read(65536)
                if not data:
                    raise EOFError("closed by the server")
                self.inbox += self.chunks.feed(data)
        return self.inbox.pop(0)

    async def expect_command(self, name: str) -> list[Any]:
        """Skip control messages up to the next command; check its name; return its values."""
        while True:
            message = await self.receive()
            if message.type_id == messages.COMMAND_AMF0:
                values = amf0.decode(message.payload)
                assert values[0] == name, values
                return values

    async def expect_status(self) -> dict[str, Any]:
        info = (await self.expect_command("onStatus"))[3]
        assert isinstance(info, dict)
        return info

    async def closed_within(self, timeout: float) -> float:
        """Return how long the server took to close the connection (fail past ``timeout``)."""
        start = time.monotonic()
        async with asyncio.timeout(timeout):
            try:
                while await self.reader.read(65536):
                    pass
            except ConnectionError:
                pass
        return time.monotonic() - start

    def close(self) -> None:
        self.writer.transport.abort()
