"""The channel socket on real uvicorn processes: status, live events and viewer counts."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async
from websockets.exceptions import ConnectionClosed, InvalidStatus

from config.tests.server import WS_MAX_SIZE
from live import consumers
from live.models import Channel
from live.tests.conftest import go_live, go_offline
from live.tests.sockets import open_socket, server_env, servers

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CLOSE_TOO_BIG = 1009  # RFC 6455: "message too big"
LATENCY = 1.0  # the issue: went-live/ended events reach the pages' sockets within a second
PLAYLIST = "live/studio/s1/master.m3u8"


async def closed_with(socket_cm: object) -> int:
    """Return the close code of a socket that the server closes."""
    async with socket_cm as socket:  # type: ignore[attr-defined]
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await socket.connection.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


@pytest.fixture
def server(async_db: None) -> object:
    with servers(1, server_env(REDIS_URL="")) as (port,):
        yield port


async def test_an_unknown_channel_is_closed_with_4404(server: int) -> None:
    assert await closed_with(open_socket(server, "nobody-here")) == consumers.CLOSE_NO_CHANNEL


async def test_a_page_of_another_origin_is_refused(server: int, channel: Channel) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with open_socket(server, channel.slug, origin="https://elsewhere.example"):
            pass
    assert refused.value.response.status_code == 403


async def test_oversized_frames_get_an_error_and_huge_ones_close(
    server: int, channel: Channel
) -> None:
    async with open_socket(server, channel.slug) as socket:
        await socket.next(type="history")
        await socket.send(json.dumps({"type": "message", "text": "x" * 10_000}))
        error = await socket.next(type="error")
        assert error["detail"].startswith("That frame is too large")
        await socket.send("[]")  # still open, still answering
        await socket.next(type="error")
    async with open_socket(server, channel.slug) as socket:
        await socket.send("x" * (WS_MAX_SIZE + 1))  # beyond what uvicorn reads at all
        with pytest.raises(ConnectionClosed) as closed:
            await socket.next(type="never")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_TOO_BIG


async def test_a_flood_of_frames_closes_the_socket(server: int, channel: Channel) -> None:
    async with open_socket(server, channel.slug) as socket:
        await socket.next(type="viewer_count")
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(consumers.FLOOD_FRAMES * 3):
                await socket.send(json.dumps({"type": "clear"}))
            await socket.next(type="never")
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == consumers.CLOSE_POLICY


async def test_two_processes_share_status_events_and_viewer_counts(
    async_db: None, bus_mode: dict[str, str], channel: Channel
) -> None:
    with servers(2, server_env(**bus_mode)) as (port_a, port_b):
        async with open_socket(port_a, channel.slug) as a, open_socket(port_b, channel.slug) as b:
            for socket in (a, b):
                assert await socket.next(type="system") == {
                    "type": "system", "event": "status", "text": "",
                    "is_live": False, "hls_url": None,
                }  # fmt: skip
            # The socket on A counts in the count B's sockets see, and the other way round.
            await asyncio.gather(a.next(type="viewer_count", count=2), b.next(count=2))
            sent_at = time.time()
            session = await sync_to_async(go_live)(channel, PLAYLIST, announce=True)
            went_live = {"type": "system", "event": "started", "is_live": True}
            frames = await asyncio.gather(a.next(**went_live), b.next(**went_live))
            assert all(frame["hls_url"] == f"/media/{PLAYLIST}" for frame in frames)
            assert max(at for at, frame in a.frames + b.frames if frame in frames) - sent_at < (
                LATENCY
            )
            # Both viewers were there when the session started: that is its peak so far.
            await asyncio.gather(a.next(type="viewer_count", count=2), b.next(count=2))
            await sync_to_async(session.refresh_from_db)()
            assert session.peak_viewers == 2

        async with open_socket(port_b, channel.slug) as c:
            await c.next(type="system", event="status", is_live=True)
            await c.next(type="viewer_count", count=1)  # a and b have gone
            sent_at = time.time()
            await sync_to_async(go_offline)(channel, announce=True)
            ended = await c.next(type="system", event="ended")
            assert ended["hls_url"] is None
            assert c.frames[-1][0] - sent_at < LATENCY
