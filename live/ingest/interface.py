"""What the ingest's orchestration sees of the RTMP server: limits, requests, refusals, sinks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .flv import FlvTag

if TYPE_CHECKING:
    from .connection import Connection


@dataclass(frozen=True)
class Limits:
    """Caps and timeouts that hold for every connection."""

    read_timeout: float = 10.0  # any read that waits longer closes the connection
    handshake_timeout: float = 5.0
    max_chunk_size: int = 65536
    # RTMP's length field has 24 bits (16 MiB - 1 at most), so a 16 MiB cap could never
    # fire; 8 MiB is four times the largest keyframe a 4K encoder sends.
    max_message_bytes: int = 8 * 1024**2
    connections_per_address: int = 10
    max_connections: int = 500
    publish_timeout: float = 15.0  # from accept to ``publish``: a connection must get on with it


@dataclass(frozen=True)
class PublishRequest:
    """A client's request to publish: the app and key of rtmp://host/APP/KEY, and its address."""

    app: str  # "live" from rtmp://host/live/KEY
    stream_key: str  # the publishing name (KEY), query string stripped
    peer: str  # client IP

    def __repr__(self) -> str:  # never let the key reach a log through a repr
        return f"PublishRequest(app={self.app!r}, stream_key=<hidden>, peer={self.peer!r})"


class Refused(Exception):
    """authorize() raises this: the encoder gets an onStatus error with this description."""

    def __init__(self, description: str, code: str = "NetStream.Publish.BadName") -> None:
        super().__init__(description)
        self.description = description
        self.code = code


class Publisher(Protocol):
    """What authorize() returns: the sink of one connection's media."""

    async def on_media(self, tag: FlvTag) -> None:
        """Take audio, video and script tags, in order."""

    async def on_end(self, *, clean: bool, reason: str) -> None:
        """Learn that the stream ended, exactly once.

        ``clean``: the encoder unpublished (FCUnpublish, deleteStream or closeStream); else it
        dropped, timed out, broke the protocol, or we closed it.
        """


Authorize = Callable[[PublishRequest, "Connection"], Awaitable[Publisher]]
