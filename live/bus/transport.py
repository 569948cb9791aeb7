"""How bus messages travel: through the Redis channel layer, or the embedded relay.

With ``REDIS_URL`` the channel layer is Redis pub/sub: a ``group_send`` from any process
reaches the group's consumers in every process, and nothing more is needed. Otherwise the
layer is in-memory (one per process) and messages go through the database (relay.py); a
process only listens once it has subscribers, which ``join`` and ``leave`` count.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from live.bus import relay

# The channel layers' rule for group names (channels.layers.BaseChannelLayer).
GROUP_NAME = re.compile(r"[A-Za-z0-9_.-]{1,99}")
# In-memory groups forget members after a day (channel layers' group_expiry): a subscriber
# that lives for days joins its group again this often.
REJOIN_SECONDS = 3600


def _layer() -> Any:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS has no default layer: the bus needs one.")
    return layer


def embedded(layer: Any) -> bool:
    """Tell whether ``layer`` reaches only this process (so the relay must carry messages)."""
    return isinstance(layer, InMemoryChannelLayer)


def _check(group: str, message: dict[str, Any]) -> None:
    if not GROUP_NAME.fullmatch(group):
        raise ValueError(f"Not a valid group name: {group!r}")
    if not isinstance(message.get("type"), str):
        raise ValueError("A bus message is a dict with a string 'type'.")


def _in_event_loop() -> bool:
    """Tell whether sync code runs in an event loop's thread (Django's own test for its ORM)."""
    if os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"):  # Django's switch (Playwright's sync API)
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def send(group: str, message: dict[str, Any]) -> None:
    """Deliver ``message`` to ``group`` in every process, once the current transaction commits."""
    _check(group, message)
    if _in_event_loop():
        raise RuntimeError("bus.send() is for sync code; from async code, await bus.asend().")
    layer = _layer()
    if embedded(layer):
        # Written in the caller's transaction: the relays see it when (and if) it commits.
        relay.append(group, message)
    else:
        # robust: Redis being away loses this notice (pages read the state on connect), not
        # the request that made the change it reports.
        transaction.on_commit(lambda: async_to_sync(layer.group_send)(group, message), robust=True)


async def asend(group: str, message: dict[str, Any]) -> None:
    """Deliver ``message`` to ``group`` in every process (from async code, e.g. the ingest)."""
    _check(group, message)
    layer = _layer()
    if embedded(layer):
        await database_sync_to_async(relay.append)(group, message)
    else:
        await layer.group_send(group, message)


async def join(group: str, channel_name: str) -> None:
    """Add a consumer's channel to ``group`` and make sure this process hears other processes."""
    layer = _layer()
    if embedded(layer):
        await relay.relay.acquire(layer)
    try:
        await layer.group_add(group, channel_name)
    except BaseException:
        if embedded(layer):
            await relay.relay.release()
        raise


async def leave(group: str, channel_name: str) -> None:
    """Undo ``join``."""
    layer = _layer()
    try:
        await layer.group_discard(group, channel_name)
    finally:
        if embedded(layer):
            await relay.relay.release()


class Subscription:
    """The messages sent to a group from the moment it opens, from any process.

    Use it as ``async with bus.subscribe(group) as messages: async for message in messages``:
    the group is joined when the block starts (so nothing sent after that is missed) and left
    when it ends. Iterating without the block joins at the first ``__anext__``; ``close()``.
    """

    def __init__(self, group: str) -> None:
        if not GROUP_NAME.fullmatch(group):
            raise ValueError(f"Not a valid group name: {group!r}")
        self.group = group
        self.channel_name: str | None = None
        self._layer: Any = None

    async def open(self) -> None:
        """Join the group (nothing if already joined)."""
        if self.channel_name is not None:
            return
        layer = _layer()
        name = await layer.new_channel("bus.")
        await join(self.group, name)
        self._layer, self.channel_name = layer, name

    async def close(self) -> None:
        """Leave the group (nothing if not joined)."""
        if self.channel_name is not None:
            name, self.channel_name = self.channel_name, None
            await leave(self.group, name)

    async def __aenter__(self) -> Subscription:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        await self.open()
        assert self.channel_name is not None
        while True:
            try:
                message: dict[str, Any] = await asyncio.wait_for(
                    self._layer.receive(self.channel_name), REJOIN_SECONDS
                )
            except TimeoutError:
                await self._layer.group_add(self.group, self.channel_name)
                continue
            return message
