"""The chunk stream: header formats 0-3, extended timestamps, reassembly and the caps."""

from __future__ import annotations

import pytest

from live.ingest import handshake, messages
from live.ingest.chunks import (
    ABORT,
    AUDIO,
    MAX_CHUNK_STREAMS,
    VIDEO,
    ChunkReader,
    ChunkWriter,
    Message,
)
from live.ingest.errors import ProtocolError

pytestmark = pytest.mark.database_free

MAX_MESSAGE = 1 << 20


def reader(**limits: int) -> ChunkReader:
    return ChunkReader(
        max_chunk_size=limits.get("max_chunk_size", 65536),
        max_message_bytes=limits.get("max_message_bytes", MAX_MESSAGE),
    )


def basic(fmt: int, csid: int) -> bytes:
    if csid < 64:
        return bytes((fmt << 6 | csid,))
    if csid < 320:
        return bytes((fmt << 6, csid - 64))
    return bytes((fmt << 6 | 1, (csid - 64) & 0xFF, (csid - 64) >> 8))


def u24(value: int) -> bytes:
    return value.to_bytes(3, "big")


def fmt0(
    csid: int, ts: int, length: int, type_id: int, stream_id: int, ext: int | None = None
) -> bytes:
    field = 0xFFFFFF if ext is not None else ts
    extended = ext.to_bytes(4, "big") if ext is not None else b""
    return (
        basic(0, csid)
        + u24(field)
        + u24(length)
        + bytes((type_id,))
        + stream_id.to_bytes(4, "little")
        + extended
    )


def fmt1(csid: int, delta: int, length: int, type_id: int) -> bytes:
    return basic(1, csid) + u24(delta) + u24(length) + bytes((type_id,))


def fmt2(csid: int, delta: int, ext: int | None = None) -> bytes:
    extended = ext.to_bytes(4, "big") if ext is not None else b""
    return basic(2, csid) + u24(0xFFFFFF if ext is not None else delta) + extended


def fmt3(csid: int, ext: int | None = None) -> bytes:
    return basic(3, csid) + (ext.to_bytes(4, "big") if ext is not None else b"")


def summary(found: list[Message]) -> list[tuple[int, int, int, bytes]]:
    return [(m.type_id, m.stream_id, m.timestamp, m.payload) for m in found]


def test_header_formats_0_to_3_carry_the_previous_fields() -> None:
    stream = (
        fmt0(4, 1000, 3, AUDIO, 1) + b"aaa"
        + fmt1(4, 23, 4, AUDIO) + b"bbbb"  # new length, delta 23
        + fmt2(4, 21) + b"cccc"  # same length and type, delta 21
        + fmt3(4) + b"dddd"  # everything as before, the delta too
        + fmt1(4, 0, 2, VIDEO) + b"ee"  # type changes, same time
    )  # fmt: skip
    assert summary(reader().feed(stream)) == [
        (AUDIO, 1, 1000, b"aaa"),
        (AUDIO, 1, 1023, b"bbbb"),
        (AUDIO, 1, 1044, b"cccc"),
        (AUDIO, 1, 1065, b"dddd"),
        (VIDEO, 1, 1065, b"ee"),
    ]


def test_a_message_spans_chunks_and_interleaves_with_another_stream() -> None:
    video = bytes(range(256)) + bytes(44)  # 300 bytes: 128 + 128 + 44 at the default size
    stream = (
        fmt0(6, 40, 300, VIDEO, 1) + video[:128]
        + fmt0(4, 40, 2, AUDIO, 1) + b"au"  # a whole audio message between two chunks
        + fmt3(6) + video[128:256]
        + fmt3(6) + video[256:]
    )  # fmt: skip
    assert summary(reader().feed(stream)) == [(AUDIO, 1, 40, b"au"), (VIDEO, 1, 40, video)]


def test_extended_timestamps_in_every_format() -> None:
    big = 0x01234567
    body = bytes(200)  # two chunks: the continuation repeats the extended field
    stream = (
        fmt0(6, 0, 200, VIDEO, 1, ext=big) + body[:128] + fmt3(6, ext=big) + body[128:]
        + fmt2(6, 0, ext=0x01000000) + body[:128] + fmt3(6, ext=0x01000000) + body[128:]
        + fmt3(6, ext=0x01000000) + body[:128] + fmt3(6, ext=0x01000000) + body[128:]
    )  # fmt: skip
    found = reader().feed(stream)
    assert [m.timestamp for m in found] == [big, big + 0x01000000, big + 0x02000000]
    assert all(m.payload == body for m in found)


def test_timestamps_wrap_at_32_bits() -> None:
    stream = fmt0(4, 0, 1, AUDIO, 1, ext=0xFFFFFFF0) + b"a" + fmt2(4, 0x20) + b"b"
    assert [m.timestamp for m in reader().feed(stream)] == [0xFFFFFFF0, 0x10]


def test_byte_by_byte_gives_the_same_messages() -> None:
    writer = ChunkWriter()
    sent = [
        Message(AUDIO, 1, 0, b"x" * 5),
        Message(VIDEO, 1, 0x01FFFFFF, bytes(range(256)) * 3),
        Message(messages.COMMAND_AMF0, 0, 7, b"\x05" * 300),
    ]
    stream = b"".join(writer.encode(m, csid) for m, csid in zip(sent, (4, 6, 3), strict=True))
    one_go = reader().feed(stream)
    chunked = reader()
    trickled = [m for i in range(len(stream)) for m in chunked.feed(stream[i : i + 1])]
    assert one_go == trickled == sent
    assert chunked.bytes_received == len(stream)


@pytest.mark.parametrize("csid", [2, 63, 64, 319, 320, 65599])
def test_every_chunk_stream_id_form_round_trips(csid: int) -> None:
    message = Message(VIDEO, 1, 10, bytes(300))
    assert reader().feed(ChunkWriter().encode(message, csid)) == [message]


def test_set_chunk_size_applies_to_the_next_chunk_of_the_same_read() -> None:
    writer = ChunkWriter(chunk_size=4096)
    big = Message(VIDEO, 1, 0, bytes(range(256)) * 20)  # 5120 bytes: two chunks at 4096
    stream = ChunkWriter().encode(messages.set_chunk_size(4096), 2) + writer.encode(big, 6)
    chunks = reader()
    assert chunks.feed(stream) == [big]  # Set Chunk Size is consumed, not passed on
    assert chunks.chunk_size == 4096


def test_abort_drops_the_partial_message() -> None:
    chunks = reader()
    abort = ChunkWriter().encode(Message(ABORT, 0, 0, (6).to_bytes(4, "big")), 2)
    stream = fmt0(6, 0, 300, VIDEO, 1) + bytes(128) + abort + fmt0(6, 5, 2, VIDEO, 1) + b"ok"
    assert summary(chunks.feed(stream)) == [(VIDEO, 1, 5, b"ok")]


@pytest.mark.parametrize("size", [0x7FFFFFFF, 65537, 127, 0])
def test_a_chunk_size_out_of_bounds_is_refused(size: int) -> None:
    with pytest.raises(ProtocolError, match="chunk size"):
        reader().feed(ChunkWriter().encode(messages.set_chunk_size(size), 2))


def test_a_message_over_the_limit_is_refused_on_its_header() -> None:
    chunks = reader(max_message_bytes=1000)
    assert chunks.feed(fmt0(6, 0, 1000, VIDEO, 1)) == []  # at the limit: waits for the body
    with pytest.raises(ProtocolError, match="longer than the limit"):
        reader(max_message_bytes=1000).feed(fmt0(6, 0, 1001, VIDEO, 1))  # no body sent
    with pytest.raises(ProtocolError, match="longer than the limit"):
        reader(max_message_bytes=1000).feed(
            fmt0(6, 0, 1, VIDEO, 1) + b"x" + fmt1(6, 0, 0xFFFFFF, VIDEO)
        )


def test_partial_messages_are_capped_in_total() -> None:
    chunks = reader(max_message_bytes=1000)
    stream = b"".join(fmt0(csid, 0, 1000, VIDEO, 1) + bytes(128) for csid in range(3, 20))
    with pytest.raises(ProtocolError, match="under assembly"):
        chunks.feed(stream)


def test_too_many_chunk_streams_are_refused() -> None:
    stream = b"".join(fmt0(csid, 0, 1, AUDIO, 1) + b"a" for csid in range(3, 4 + MAX_CHUNK_STREAMS))
    with pytest.raises(ProtocolError, match="too many chunk streams"):
        reader().feed(stream)


@pytest.mark.parametrize(
    "stream",
    [
        fmt1(4, 0, 1, AUDIO) + b"a",  # no type 0 header on this chunk stream yet
        fmt3(4) + b"a",
        fmt0(6, 0, 300, VIDEO, 1) + bytes(128) + fmt0(6, 0, 1, VIDEO, 1) + b"x",  # mid-message
        ChunkWriter().encode(Message(ABORT, 0, 0, b"\x00"), 2),  # a control message cut short
    ],
)
def test_malformed_chunk_streams_are_refused(stream: bytes) -> None:
    with pytest.raises(ProtocolError):
        reader().feed(stream)


def test_what_the_reader_keeps_between_reads_is_at_most_a_chunk() -> None:
    chunks = reader()
    chunks.feed(fmt0(6, 0, 100_000, VIDEO, 1) + bytes(100))  # an incomplete first chunk
    assert len(chunks._buffer) <= 12 + 128


def test_handshake_reply_echoes_c1_and_refuses_other_versions() -> None:
    c1 = bytes(range(256)) * 6
    reply = handshake.reply(bytes((3,)) + c1, uptime_ms=5)
    assert len(reply) == 1 + 2 * handshake.PACKET_BYTES and reply[0] == 3
    assert reply[5:9] == bytes(4)  # zero version bytes: the plain handshake
    s2 = reply[1 + handshake.PACKET_BYTES :]
    assert s2[:4] == c1[:4] and s2[8:] == c1[8:]
    with pytest.raises(ProtocolError):
        handshake.reply(bytes((6,)) + c1, uptime_ms=0)
    with pytest.raises(ProtocolError):
        handshake.reply(bytes((3,)) + c1[:-1], uptime_ms=0)
