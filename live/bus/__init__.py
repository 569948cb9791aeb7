"""Events between processes: the ingest server, the web processes and the workers.

``send(group, message)`` reaches every subscriber of ``group`` in every process within about a
second: through the Redis channel layer when ``REDIS_URL`` is set, else through the embedded
relay (see live/bus/relay.py for how, and why). Messages are channel-layer messages: a dict
with a ``type`` naming the handler (``"live.status"`` → ``live_status``), JSON-serialisable.

Who listens: websocket consumers ``join`` a group with their channel name (and ``leave`` it);
any other process reads a ``subscribe(group)`` (the ingest process on ``INGEST``)::

    async with bus.subscribe(bus.INGEST) as messages:  # joined here: nothing later is missed
        async for message in messages:
            ...

Messages on a channel's group (``channel_group``): ``{"type": "live.status", "channel": id,
"is_live": bool, "hls_url": str | None}`` when it goes live or ends (live/events.py builds
it). On ``INGEST``: ``{"type": "ingest.drop", "channel": id, "reason": str}``.
"""

from __future__ import annotations

from typing import Any

from live.bus import transport

INGEST = "live.ingest"  # commands for the ingest process (drop a publisher, end a session)


def channel_group(channel_id: str) -> str:
    """Return the group a channel's viewers (pages, sockets) listen on."""
    return f"live.channel.{channel_id}"


def send(group: str, message: dict[str, Any]) -> None:
    """Deliver ``message`` to ``group`` in every process (sync code; after the transaction)."""
    transport.send(group, message)


async def asend(group: str, message: dict[str, Any]) -> None:
    """Deliver ``message`` to ``group`` in every process, from async code."""
    await transport.asend(group, message)


async def join(group: str, channel_name: str) -> None:
    """Subscribe a consumer's channel to ``group`` (messages reach its handlers)."""
    await transport.join(group, channel_name)


async def leave(group: str, channel_name: str) -> None:
    """Unsubscribe a consumer's channel from ``group``."""
    await transport.leave(group, channel_name)


def subscribe(group: str) -> transport.Subscription:
    """Return the messages sent to ``group`` from now on: ``async with`` it, ``async for`` it."""
    return transport.Subscription(group)
