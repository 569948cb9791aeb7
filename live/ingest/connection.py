"""One RTMP connection: handshake, chunk stream, the publish sequence, and its end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, NoReturn

from . import chunks, handshake, messages
from .chunks import ChunkReader, ChunkWriter, Message
from .errors import ProtocolError
from .flv import tags_from_message
from .interface import Authorize, Limits, Publisher, PublishRequest, Refused
from .stats import StreamStats

logger = logging.getLogger("live.ingest")

READ_BYTES = 64 * 1024
ANONYMOUS_MESSAGE_BYTES = 64 * 1024  # before publishing: commands are a few hundred bytes
OUR_CHUNK_SIZE = 4096
ACK_WINDOW = 2_500_000  # what we ask the peer to acknowledge (it never needs to, in practice)
MIN_PEER_WINDOW = 4096  # a smaller window would have us acknowledge every read
MAX_STREAMS = 8  # createStream calls per connection
FLUSH_SECONDS = 1.0  # to hand a closing error status to the peer
MEDIA_TYPES = {chunks.AUDIO, chunks.VIDEO, chunks.DATA_AMF0, chunks.DATA_AMF3, chunks.AGGREGATE}
UNPUBLISH = frozenset(("FCUnpublish", "deleteStream", "closeStream"))
BAD_NAME = "NetStream.Publish.BadName"
UNAVAILABLE = "Publishing is unavailable; try again later."
NEW, CONNECTED, AUTHORIZING, PUBLISHING, UNPUBLISHED = range(5)


class _End(Exception):
    def __init__(self, reason: str, *, clean: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.clean = clean


class Connection:
    """One client's connection; the orchestration gets it with the publish request."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        peer: str,
        limits: Limits,
        authorize: Authorize,
    ) -> None:
        self.peer = peer
        self.last_media_at = self.started_at = time.monotonic()
        self.stats = StreamStats()
        self._reader, self._writer = reader, writer
        self._limits = limits
        self._authorize = authorize
        # Until a key is accepted only commands are due: no room for big messages.
        self._chunks = ChunkReader(
            max_chunk_size=limits.max_chunk_size,
            max_message_bytes=min(ANONYMOUS_MESSAGE_BYTES, limits.max_message_bytes),
        )
        self._out = ChunkWriter()
        self._state = NEW
        self._app = ""
        self._streams: set[int] = set()
        self._publish_stream = 0
        self._publisher: Publisher | None = None
        self._ended = False  # on_end has been called (or no publisher will ever get it)
        self._in_on_end = False
        self._linger = False  # close() told the encoder why: let it read that before we go
        self._end_done = asyncio.Event()
        self._close_reason: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._peer_window = 0
        self._acked = 0

    async def run(self) -> None:
        """Serve the connection until it ends; the server runs this as the connection's task."""
        self._task = asyncio.current_task()
        clean, reason = False, "closed by the peer"
        try:
            uptime_ms = int((time.monotonic() - self.started_at) * 1000)
            try:
                async with asyncio.timeout(self._limits.handshake_timeout):
                    await handshake.accept(self._reader, self._writer, uptime_ms=uptime_ms)
            except TimeoutError:
                raise _End("handshake timeout") from None
            await self._serve()
        except _End as end:
            clean, reason = end.clean, end.reason
        except ProtocolError as error:
            reason = f"protocol error: {error}"
        except (asyncio.IncompleteReadError, ConnectionError):
            reason = "connection lost"
        except asyncio.CancelledError:
            if self._close_reason is None:
                raise  # not our close(): the server or loop is going away
            reason = self._close_reason
        except Exception:
            logger.exception("rtmp %s: internal error", self.peer)
            reason = "internal error"
        finally:
            if self._linger:
                await self._discard_until_closed()
            self._shut()
            await self._finish(clean=clean, reason=self._close_reason or reason)

    async def close(self, reason: str) -> None:
        """Drop the connection now; an encoder that publishes is told why first."""
        if self._task is None or self._task.done():
            return
        if self._close_reason is not None:  # already closing: wait for that to finish
            if self._task is not asyncio.current_task():
                await asyncio.wait([self._task])
            return
        self._close_reason = reason
        if self._state in (AUTHORIZING, PUBLISHING):
            await self._tell_error("NetConnection.Connect.Closed", reason, self._publish_stream)
        if self._task is asyncio.current_task():
            if not self._in_on_end:
                self._task.cancel()  # called from our own on_media: end at the next await
            return
        if self._in_on_end:
            await self._end_done.wait()  # never cut the publisher's on_end short
        self._task.cancel()
        await asyncio.wait([self._task])

    async def _serve(self) -> None:
        while True:
            # Media behind ``publish`` in the same read was sent before the client could see
            # Publish.Start: it was never authorized, and is dropped.
            started_here = False
            for message in self._chunks.feed(await self._read()):
                if message.type_id in MEDIA_TYPES:
                    if not started_here:
                        await self._media(message)
                elif message.type_id in (chunks.COMMAND_AMF0, chunks.COMMAND_AMF3):
                    started_here |= await self._command(message)
                elif message.type_id == chunks.WINDOW_ACK_SIZE and len(message.payload) >= 4:
                    self._peer_window = max(int.from_bytes(message.payload[:4]), MIN_PEER_WINDOW)
                elif (pong := messages.pong(message)) is not None:
                    await self._send(pong, messages.CONTROL_CSID)
            received = handshake.C0C1_BYTES + handshake.C2_BYTES + self._chunks.bytes_received
            if self._peer_window and received - self._acked >= self._peer_window:
                self._acked = received
                await self._send(messages.acknowledgement(received), messages.CONTROL_CSID)

    async def _read(self) -> bytes:
        timeout, reason = self._limits.read_timeout, "read timeout"
        if self._state < PUBLISHING:
            left = self.started_at + self._limits.publish_timeout - time.monotonic()
            if left < timeout:
                timeout, reason = max(left, 0), "no publish in time"
        try:
            async with asyncio.timeout(timeout):
                data = await self._reader.read(READ_BYTES)
        except TimeoutError:
            raise _End(reason) from None
        if not data:
            raise _End("unpublished" if self._state == UNPUBLISHED else "connection lost")
        return data

    async def _media(self, message: Message) -> None:
        if self._state != PUBLISHING or message.stream_id != self._publish_stream:
            return  # before authorization, or on a stream it does not publish: dropped
        assert self._publisher is not None
        for tag in tags_from_message(message):
            self.stats.add(tag)
            if message.type_id in (chunks.AUDIO, chunks.VIDEO):
                self.last_media_at = time.monotonic()
            await self._publisher.on_media(tag)

    async def _command(self, message: Message) -> bool:
        """Handle a command; return True when it started publishing."""
        amf3 = message.type_id == chunks.COMMAND_AMF3
        name, transaction, args = messages.parse_command(message.payload, amf3=amf3)
        if name == "connect":
            await self._connect(transaction, args)
        elif name == "createStream":
            if self._state == NEW:
                raise ProtocolError("createStream before connect")
            if len(self._streams) >= MAX_STREAMS:
                raise ProtocolError("too many streams")
            stream_id = len(self._streams) + 1
            self._streams.add(stream_id)
            await self._send(messages.command("_result", transaction, None, float(stream_id)))
        elif name == "publish":
            return await self._publish(message.stream_id, args)
        elif name in UNPUBLISH:
            if self._state == PUBLISHING:
                self._state = UNPUBLISHED
                await self._finish(clean=True, reason="unpublished")
        elif name in ("play", "play2"):
            await self._refuse("Playback is not served over RTMP.", 0, "NetStream.Play.Failed")
        # Anything else (releaseStream, FCPublish, _checkbw...) needs no answer from a server
        # that only takes publishers, and ffmpeg and OBS wait for none.
        return False

    async def _connect(self, transaction: float, args: list[Any]) -> None:
        if self._state != NEW:
            raise ProtocolError("second connect")
        properties = args[0] if args and isinstance(args[0], dict) else {}
        app = properties.get("app")
        self._app = app.split("?", 1)[0].strip("/") if isinstance(app, str) else ""
        self._state = CONNECTED
        self._write(messages.window_ack_size(ACK_WINDOW), messages.CONTROL_CSID)
        self._write(messages.set_peer_bandwidth(ACK_WINDOW), messages.CONTROL_CSID)
        self._write(messages.set_chunk_size(OUR_CHUNK_SIZE), messages.CONTROL_CSID)
        self._out.chunk_size = OUR_CHUNK_SIZE
        await self._send(messages.connect_result(transaction))

    async def _publish(self, stream_id: int, args: list[Any]) -> bool:
        if self._state == NEW:
            await self._refuse("Connect before publishing.", stream_id)
        if self._state != CONNECTED:
            await self._refuse("One publish per connection.", stream_id)
        name = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
        key = name.split("?", 1)[0]
        if not key or stream_id not in self._streams:
            await self._refuse("Publish needs a stream key.", stream_id)
        self._state, self._publish_stream = AUTHORIZING, stream_id
        request = PublishRequest(app=self._app, stream_key=key, peer=self.peer)
        try:
            async with asyncio.timeout(self._limits.read_timeout):
                self._publisher = await self._authorize(request, self)
        except Refused as refused:
            await self._refuse(refused.description, stream_id, refused.code)
        except Exception:
            logger.exception("rtmp %s: authorization failed", self.peer)
            await self._refuse(UNAVAILABLE, stream_id, "NetStream.Publish.Failed")
        self._state = PUBLISHING
        self._chunks.max_message_bytes = self._limits.max_message_bytes
        self._write(messages.user_control(messages.STREAM_BEGIN, stream_id), messages.CONTROL_CSID)
        status = ("status", "NetStream.Publish.Start", "Publishing.")
        await self._send(messages.on_status(*status, stream_id=stream_id), messages.STREAM_CSID)
        logger.info("rtmp %s: publishing", self.peer)
        return True

    async def _refuse(self, description: str, stream_id: int, code: str = BAD_NAME) -> NoReturn:
        """Tell the client why (an encoder prints the description), then end the connection."""
        await self._tell_error(code, description, stream_id)
        raise _End(f"refused ({code})")

    async def _tell_error(self, code: str, description: str, stream_id: int) -> None:
        """Send an error status, then the end of our side; linger until the client reads it."""
        error = messages.on_status("error", code, description, stream_id=stream_id)
        with contextlib.suppress(TimeoutError, OSError, _End):
            async with asyncio.timeout(FLUSH_SECONDS):
                await self._send(error, messages.STREAM_CSID)
            self._writer.write_eof()
            self._linger = True

    def _write(self, message: Message, csid: int = messages.COMMAND_CSID) -> None:
        if self._writer.is_closing():
            raise ConnectionResetError("closed")
        self._writer.write(self._out.encode(message, csid))

    async def _send(self, message: Message, csid: int = messages.COMMAND_CSID) -> None:
        """Send a message; a peer that stops reading our replies is dropped, not buffered for."""
        self._write(message, csid)
        try:
            async with asyncio.timeout(self._limits.read_timeout):
                await self._writer.drain()
        except TimeoutError:
            raise _End("peer does not read") from None

    async def _discard_until_closed(self) -> None:
        """Drop what the client still sends until it closes (a second at most): closing with
        unread data resets the socket, and the client would lose our error status unread."""
        with contextlib.suppress(TimeoutError, OSError):
            async with asyncio.timeout(FLUSH_SECONDS):
                while await self._reader.read(READ_BYTES):
                    pass

    def _shut(self) -> None:
        transport = self._writer.transport
        transport.close()  # flushes what is buffered (an error status) ...
        if transport.get_write_buffer_size():
            transport.abort()  # ... unless the peer will not take it

    async def _finish(self, *, clean: bool, reason: str) -> None:
        """Tell the publisher, once; log the end without the key."""
        if self._ended:
            return
        self._ended = True
        logger.info("rtmp %s: ended (%s)", self.peer, reason)
        if self._publisher is None:
            return
        self._in_on_end = True
        try:
            await self._publisher.on_end(clean=clean, reason=reason)
        except Exception:
            logger.exception("rtmp %s: publisher failed to end", self.peer)
        finally:
            self._in_on_end = False
            self._end_done.set()
