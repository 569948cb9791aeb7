"""Hostile clients are closed within a bound while a real publisher keeps streaming."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from live.ingest import handshake, messages
from live.ingest.chunks import MAX_CHUNK_STREAMS, VIDEO
from live.ingest.server import Limits

from .rtmp import GOOD_KEY, Hub, RawClient, Recorder, ffmpeg_publisher, running_server

pytestmark = [pytest.mark.database_free, pytest.mark.anyio, pytest.mark.media]

# Short timeouts so that the cases that wait for one stay quick; "at once" means well inside.
LIMITS = Limits(
    read_timeout=1.5, handshake_timeout=1.5, publish_timeout=3.0, connections_per_address=3
)
AT_ONCE = 0.5
HOSTILE = "127.0.0.2"  # another loopback address: the per-address limit must not hit ffmpeg


def header(csid: int, timestamp: int, length: int, type_id: int, stream_id: int) -> bytes:
    """Return a type 0 chunk header, written by hand so that it can lie."""
    basic = bytes((csid,)) if csid < 64 else bytes((0, csid - 64))
    return (
        basic
        + timestamp.to_bytes(3, "big")
        + length.to_bytes(3, "big")
        + bytes((type_id,))
        + stream_id.to_bytes(4, "little")
    )


@contextlib.asynccontextmanager
async def publisher_streaming() -> AsyncIterator[tuple[int, Hub, Recorder]]:
    """Serve with the test limits while ffmpeg publishes from 127.0.0.1."""
    async with (
        running_server(LIMITS) as (server, hub),
        ffmpeg_publisher(server.port, seconds=60, size="320x180"),
    ):
        recorder = await hub.first_publisher()
        await recorder.wait_for_tags(5)
        yield server.port, hub, recorder


async def garbage_instead_of_a_handshake(client: RawClient) -> None:
    client.writer.write(
        b"GET / HTTP/1.1\r\nHost: example\r\n\r\n" + random.Random(1).randbytes(65536)
    )


async def random_chunks_after_the_handshake(client: RawClient) -> None:
    await client.handshake()
    client.writer.write(random.Random(2).randbytes(256 * 1024))


async def truncated_handshake(client: RawClient) -> None:
    client.writer.write(bytes((handshake.VERSION,)) + bytes(100))


async def silent(client: RawClient) -> None:
    """Connect and send nothing: a half-open socket."""


async def huge_chunk_size(client: RawClient) -> None:
    await client.handshake()
    await huge_chunk_size_after_handshake(client)


async def huge_chunk_size_after_handshake(client: RawClient) -> None:
    client.send(messages.set_chunk_size(0x7FFFFFFF), messages.CONTROL_CSID)


async def message_declaring_the_most_rtmp_allows(client: RawClient) -> None:
    # 100 MB cannot be said in RTMP: the length field has 24 bits. Declare its maximum,
    # 16 MiB - 1, over the 8 MiB cap, and send no body: refused on the header alone.
    await client.handshake()
    client.writer.write(header(4, 0, 0xFFFFFF, VIDEO, 1))


async def a_big_message_before_publishing(client: RawClient) -> None:
    # Until its key is accepted a client has no use for messages over a few hundred bytes.
    await client.connect()
    client.writer.write(header(6, 0, 1 << 20, VIDEO, 1) + bytes(4096))


async def partial_messages_on_many_chunk_streams(client: RawClient) -> None:
    await client.handshake()
    for csid in range(3, 3 + MAX_CHUNK_STREAMS + 1):  # one more than the cap
        client.writer.write(header(csid, 0, 60_000, VIDEO, 1) + bytes(128))


CASES: dict[str, tuple[Callable[[RawClient], Awaitable[None]], float]] = {
    # name: (what the client does, the bound on how long the server may take to close it)
    "garbage": (garbage_instead_of_a_handshake, AT_ONCE),
    "random chunks": (random_chunks_after_the_handshake, LIMITS.read_timeout + AT_ONCE),
    "truncated handshake": (truncated_handshake, LIMITS.handshake_timeout + AT_ONCE),
    "half-open": (silent, LIMITS.handshake_timeout + AT_ONCE),
    "huge chunk size": (huge_chunk_size, AT_ONCE),
    "16 MiB declared": (message_declaring_the_most_rtmp_allows, AT_ONCE),
    "many chunk streams": (partial_messages_on_many_chunk_streams, AT_ONCE),
    "big message before publishing": (a_big_message_before_publishing, AT_ONCE),
}


@pytest.mark.parametrize("case", CASES)
async def test_hostile_client_is_closed_while_another_streams(case: str) -> None:
    behave, bound = CASES[case]
    async with publisher_streaming() as (port, hub, recorder):
        client = await RawClient.open(port, source=HOSTILE)
        await behave(client)
        before = len(recorder.tags)
        await client.closed_within(bound)
        await recorder.wait_for_tags(before + 10)  # still streaming, and not stalled behind it
        assert recorder.ends == []
        assert len(hub.requests) == 1


async def test_a_publisher_gone_silent_is_dropped_after_the_read_timeout() -> None:
    async with publisher_streaming() as (port, hub, streaming):
        client = await RawClient.open(port, source=HOSTILE)
        await client.connect()
        client.command("publish", 3, None, GOOD_KEY, "live", stream_id=1)
        assert (await client.expect_status())["code"] == "NetStream.Publish.Start"
        silent_one = hub.publishers[1]
        # The network dropped: the socket stays open and nothing more arrives.
        ended = await silent_one.wait_for_end(timeout=LIMITS.read_timeout + AT_ONCE)
        assert ended == (False, "read timeout")
        await client.closed_within(AT_ONCE)
        assert streaming.ends == []


async def test_a_connection_that_never_publishes_is_dropped() -> None:
    async with running_server(LIMITS) as (server, hub):
        client = await RawClient.open(server.port, source=HOSTILE)
        await client.connect()
        for transaction in range(10):  # busy, but never publishing
            client.command("releaseStream", transaction + 3, None, "x")
        await client.closed_within(LIMITS.publish_timeout + AT_ONCE)
        assert hub.requests == []


async def test_too_many_connections_from_one_address() -> None:
    async with publisher_streaming() as (port, _, recorder):
        held = [
            await RawClient.open(port, source=HOSTILE)
            for _ in range(LIMITS.connections_per_address)
        ]
        for client in held:
            await client.handshake()  # each served
        extra = await RawClient.open(port, source=HOSTILE)
        await extra.closed_within(AT_ONCE)
        other = await RawClient.open(port, source="127.0.0.3")
        await other.handshake()  # another address is still served
        before = len(recorder.tags)
        await recorder.wait_for_tags(before + 10)
        # Once one goes, the address may connect again (the count is given back before the
        # server closes the socket, so seeing it closed is enough).
        await huge_chunk_size_after_handshake(held[0])
        await held[0].closed_within(AT_ONCE)
        again = await RawClient.open(port, source=HOSTILE)
        await again.handshake()
        for client in [*held, other, again]:
            client.close()
