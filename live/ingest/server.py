"""The asyncio RTMP server that encoders publish to: accept, cap, and run each connection.

The orchestration (stream keys, sessions, packaging) sits on top: it passes ``authorize``,
which turns a publish request into a Publisher or raises Refused before any media flows.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter

from .connection import Connection
from .flv import FlvTag
from .interface import Authorize, Limits, Publisher, PublishRequest, Refused
from .stats import StreamStats

__all__ = [
    "Authorize",
    "Connection",
    "FlvTag",
    "Limits",
    "PublishRequest",
    "Publisher",
    "Refused",
    "RtmpServer",
    "StreamStats",
]

logger = logging.getLogger("live.ingest")


class RtmpServer:
    """Listen for RTMP publishers; each connection runs in its own task, within the limits."""

    def __init__(self, *, authorize: Authorize, limits: Limits = Limits()) -> None:  # noqa: B008
        self.authorize = authorize
        self.limits = limits
        self.port = 0
        self.connections: set[Connection] = set()
        self._per_address: Counter[str] = Counter()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        """Start listening on ``host:port`` (port 0 picks a free one; ``self.port`` tells)."""
        self._server = await asyncio.start_server(
            self._accept, host, port, limit=64 * 1024, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("rtmp: listening on %s:%s", host, self.port)

    async def start_on(self, sock: socket.socket) -> None:
        """Serve on a listening socket made elsewhere (a test binds it and passes it down)."""
        self._server = await asyncio.start_server(self._accept, sock=sock, limit=64 * 1024)
        self.port = sock.getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
        connections = list(self.connections)
        await asyncio.gather(*(c.close("The server is shutting down.") for c in connections))
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        address = str(peername[0]) if peername else "unknown"
        if (
            len(self.connections) >= self.limits.max_connections
            or self._per_address[address] >= self.limits.connections_per_address
        ):
            logger.warning("rtmp %s: refused, too many connections", address)
            writer.transport.abort()
            return
        connection = Connection(
            reader, writer, peer=address, limits=self.limits, authorize=self.authorize
        )
        self.connections.add(connection)
        self._per_address[address] += 1
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)
            self._per_address[address] -= 1
            if not self._per_address[address]:
                del self._per_address[address]
