"""The RTMP chunk stream: reassemble the peer's chunks into messages, and chunk our replies.

The reader is sans-IO (bytes in, messages out) so that it is tested without sockets and
its caps hold however the bytes arrive: a message longer than ``max_message_bytes`` is
refused as soon as its header is read, before any of its body; a Set Chunk Size above
``max_chunk_size`` is refused; what it keeps between calls is at most one chunk of input
plus the messages under assembly, themselves capped.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import ProtocolError

SET_CHUNK_SIZE, ABORT, ACKNOWLEDGEMENT, USER_CONTROL = 1, 2, 3, 4
WINDOW_ACK_SIZE, SET_PEER_BANDWIDTH = 5, 6
AUDIO, VIDEO, DATA_AMF3, COMMAND_AMF3, DATA_AMF0, COMMAND_AMF0, AGGREGATE = 8, 9, 15, 17, 18, 20, 22

DEFAULT_CHUNK_SIZE = 128
MIN_CHUNK_SIZE = 128  # what every encoder starts with; smaller would cost a header per byte
MAX_CHUNK_STREAMS = 64  # encoders use a handful of chunk stream ids
EXTENDED = 0xFFFFFF
_HEADER_BYTES = (11, 7, 3, 0)  # message header size by chunk format 0..3
_U24 = struct.Struct(">I")  # read from 4 bytes starting one early, then masked
_U32 = struct.Struct(">I")
_LE32 = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class Message:
    """One RTMP message: its type, message stream, timestamp (ms) and payload."""

    type_id: int
    stream_id: int
    timestamp: int
    payload: bytes


class _ChunkStream:
    __slots__ = (
        "extended",
        "length",
        "parts",
        "received",
        "stream_id",
        "timestamp",
        "ts_field",
        "type_id",
    )

    def __init__(self) -> None:
        self.timestamp = self.ts_field = self.length = self.stream_id = self.received = 0
        self.type_id = 0
        self.extended = False
        self.parts: list[bytes] = []


class ChunkReader:
    """Turn the peer's chunk stream into whole messages, enforcing the caps."""

    def __init__(self, *, max_chunk_size: int, max_message_bytes: int) -> None:
        self.max_chunk_size = max_chunk_size
        self.max_message_bytes = max_message_bytes
        self.chunk_size = DEFAULT_CHUNK_SIZE
        self.bytes_received = 0
        self._buffer = bytearray()
        self._streams: dict[int, _ChunkStream] = {}
        self._assembling = 0  # payload bytes held in messages not yet complete

    def feed(self, data: bytes) -> list[Message]:
        """Take the next bytes from the peer; return the messages they complete."""
        self.bytes_received += len(data)
        buffer = self._buffer
        buffer += data
        messages: list[Message] = []
        with memoryview(buffer) as view:
            consumed = self._parse(buffer, view, messages)
        del buffer[:consumed]
        return messages

    def _parse(self, buf: bytearray, view: memoryview, messages: list[Message]) -> int:
        end = len(buf)
        pos = 0
        while pos < end:
            start = pos
            first = buf[pos]
            fmt, csid = first >> 6, first & 0x3F
            pos += 1
            if csid < 2:
                extra = 1 if csid == 0 else 2
                if pos + extra > end:
                    return start
                csid = 64 + buf[pos] + (buf[pos + 1] << 8 if csid == 1 else 0)
                pos += extra
            if pos + _HEADER_BYTES[fmt] > end:
                return start
            stream = self._streams.get(csid)
            if stream is None:
                if fmt != 0:
                    raise ProtocolError("chunk stream begins without a full header")
                if len(self._streams) >= MAX_CHUNK_STREAMS:
                    raise ProtocolError("too many chunk streams")
                stream = self._streams[csid] = _ChunkStream()
            continuing = stream.received > 0
            if fmt == 3:
                ts_field, extended = stream.ts_field, stream.extended
                length, type_id = stream.length, stream.type_id
            else:
                if continuing:
                    raise ProtocolError("new message header in the middle of a message")
                ts_field = _U24.unpack_from(buf, pos - 1)[0] & 0xFFFFFF
                extended = ts_field == EXTENDED
                length, type_id = stream.length, stream.type_id
                if fmt < 2:
                    length = _U24.unpack_from(buf, pos + 2)[0] & 0xFFFFFF
                    type_id = buf[pos + 6]
                    if length > self.max_message_bytes:
                        raise ProtocolError("message longer than the limit")
            pos += _HEADER_BYTES[fmt]
            ext_value = 0
            if extended:
                if pos + 4 > end:
                    return start
                ext_value = _U32.unpack_from(buf, pos)[0]
                pos += 4
            body = min(self.chunk_size, length - stream.received)
            if pos + body > end:
                return start
            # The whole chunk is here: only now change any state.
            if not continuing:
                if fmt == 0:
                    stream.stream_id = _LE32.unpack_from(buf, pos - 4 - (4 if extended else 0))[0]
                    stream.timestamp = ext_value if extended else ts_field
                else:
                    delta = ext_value if extended else ts_field
                    stream.timestamp = (stream.timestamp + delta) & 0xFFFFFFFF
                stream.ts_field, stream.extended = ts_field, extended
                stream.length, stream.type_id = length, type_id
            payload = bytes(view[pos : pos + body])
            pos += body
            if body == length:
                message = Message(type_id, stream.stream_id, stream.timestamp, payload)
            else:
                stream.parts.append(payload)
                stream.received += body
                self._assembling += body
                if self._assembling > 2 * self.max_message_bytes:
                    raise ProtocolError("too much data in messages under assembly")
                if stream.received < length:
                    continue
                self._assembling -= length
                message = Message(
                    type_id, stream.stream_id, stream.timestamp, b"".join(stream.parts)
                )
                stream.parts, stream.received = [], 0
            if not self._control(message):
                messages.append(message)
        return pos

    def _control(self, message: Message) -> bool:
        """Apply Set Chunk Size and Abort at once (they change how the next bytes parse)."""
        if message.type_id == SET_CHUNK_SIZE:
            size = _read_u32(message) & 0x7FFFFFFF
            if not MIN_CHUNK_SIZE <= size <= self.max_chunk_size:
                raise ProtocolError("chunk size out of bounds")
            self.chunk_size = size
            return True
        if message.type_id == ABORT:
            stream = self._streams.get(_read_u32(message))
            if stream is not None and stream.received:
                self._assembling -= stream.received
                stream.parts, stream.received = [], 0
            return True
        return False


def _read_u32(message: Message) -> int:
    if len(message.payload) < 4:
        raise ProtocolError("control message cut short")
    return int(_U32.unpack_from(message.payload)[0])


def _basic_header(fmt: int, csid: int) -> bytes:
    if csid < 64:
        return bytes((fmt << 6 | csid,))
    if csid < 320:
        return bytes((fmt << 6, csid - 64))
    return bytes((fmt << 6 | 1, (csid - 64) & 0xFF, (csid - 64) >> 8))


class ChunkWriter:
    """Chunk our messages: a full header on the first chunk, one byte on the others."""

    def __init__(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        self.chunk_size = chunk_size

    def encode(self, message: Message, csid: int) -> bytes:
        """Return ``message`` as chunks on chunk stream ``csid``."""
        timestamp = message.timestamp & 0xFFFFFFFF
        extended = timestamp >= EXTENDED
        ext = _U32.pack(timestamp) if extended else b""
        out = bytearray(_basic_header(0, csid))
        out += (EXTENDED if extended else timestamp).to_bytes(3, "big")
        out += len(message.payload).to_bytes(3, "big")
        out.append(message.type_id)
        out += _LE32.pack(message.stream_id)
        out += ext
        payload = message.payload
        continuation = _basic_header(3, csid) + ext
        for offset in range(0, max(len(payload), 1), self.chunk_size):
            if offset:
                out += continuation
            out += payload[offset : offset + self.chunk_size]
        return bytes(out)
