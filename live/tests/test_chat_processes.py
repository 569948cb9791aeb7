"""The chat across two real uvicorn processes, through Redis and through the embedded bus."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from websockets.exceptions import ConnectionClosed

from accounts.models import User
from live.chat.hub import CLOSE_BANNED
from live.models import Channel
from live.tests.sockets import open_socket, server_env, servers, session_cookie

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

# From one process's socket to another's screen. The embedded bus polls every 250 ms.
LATENCY = {"embedded": 1.0, "redis": 0.25}


async def test_a_message_and_a_ban_reach_the_other_process(
    async_db: None, bus_mode: dict[str, str], channel: Channel, user: User, other_user: User
) -> None:
    mode = "redis" if bus_mode["REDIS_URL"] else "embedded"
    alice_cookie = await sync_to_async(session_cookie)(user)
    bob_cookie = await sync_to_async(session_cookie)(other_user)
    with servers(2, server_env(**bus_mode)) as (port_a, port_b):
        async with (
            open_socket(port_a, channel.slug, cookie=alice_cookie) as alice,
            open_socket(port_b, channel.slug, cookie=bob_cookie) as bob,
            open_socket(port_b, channel.slug) as reader,
        ):
            for socket in (alice, bob, reader):
                await socket.next(type="history")
            sent_at = time.time()
            await alice.send('{"type": "message", "text": "hello from A"}')
            seen = await asyncio.gather(
                bob.next(type="message"), reader.next(type="message"), alice.next(type="message")
            )
            assert [frame["text"] for frame in seen] == ["hello from A"] * 3
            arrived = max(at for at, frame in bob.frames + reader.frames if frame in seen)
            assert arrived - sent_at < LATENCY[mode]

            # Alice, on A, bans Bob, whose socket is on B: it closes there at once.
            await alice.send('{"type": "ban", "user": "bob"}')
            with pytest.raises(ConnectionClosed) as closed:
                await bob.next(type="never")
            assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_BANNED
            assert {"type": "ban", "user": "bob", "until": None} in [f for _, f in bob.frames]
            await reader.next(type="ban", user="bob")  # everyone else sees it, stays open
        # And B refuses Bob's new socket.
        async with open_socket(port_b, channel.slug, cookie=bob_cookie) as again:
            refused = await again.next(type="error")
            assert refused["detail"] == "You are banned from this chat."


async def test_the_rate_limit_holds_across_processes(
    async_db: None, redis_server: str, channel: Channel, other_user: User
) -> None:
    bob_cookie = await sync_to_async(session_cookie)(other_user)
    with servers(2, server_env(REDIS_URL=redis_server)) as (port_a, port_b):
        async with (
            open_socket(port_a, channel.slug, cookie=bob_cookie) as on_a,
            open_socket(port_b, channel.slug, cookie=bob_cookie) as on_b,
        ):
            for socket in (on_a, on_b):
                await socket.next(type="history")
            for n in range(3):  # the burst, spent on A
                await on_a.send(f'{{"type": "message", "text": "burst {n}"}}')
                await on_a.next(type="message", text=f"burst {n}")
            await on_b.send('{"type": "message", "text": "one more, from B"}')
            refused = await on_b.next(type="error")
            assert refused["detail"].startswith("You are sending messages too fast")
