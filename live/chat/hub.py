"""This process's chat sockets, per channel, fed by one bus subscription per channel.

The stock path (every socket in a channel-layer group) costs one layer message per socket
per chat message, each decoded and re-encoded by its consumer. Here each process holds a
``Room`` per channel with its local sockets and ONE subscription to the channel's bus group
(through Redis when ``REDIS_URL`` is set: one Redis subscription per channel per process). An
event arrives once per process, already encoded (live/chat/events.py), and is handed to each
socket's bounded send queue as the same string.

A socket's queue is drained by its own writer task, so a reader that does not keep up holds
up nobody else: when its queue is full it is disconnected (close code 4008, "too slow";
clients reconnect and get the history again). Dropping frames instead would leave its screen
wrong without a sign (a deletion missed, a ban unseen); a disconnect is visible and heals.

A message posted on this process is given to its own sockets at once (``publish``), then sent
on the bus with this process's name as ``origin``, which this process's room then skips.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

from channels.db import database_sync_to_async

from live import bus, presence, selectors
from live.bus.transport import Subscription
from live.chat import events, frames

log = logging.getLogger(__name__)

CLOSE_SLOW = 4008  # the application's range (RFC 6455 7.4.2): "you read too slowly"
CLOSE_BANNED = 4403


class Socket(Protocol):
    """A channel socket as the hub sees it (live.consumers.ChannelConsumer)."""

    user_id: int | None

    def push(self, text: str) -> bool:
        """Queue a frame; False when the socket's queue is full."""

    def finish(self, code: int, text: str | None = None) -> None:
        """Send ``text`` (if any) after what is queued, then close with ``code``."""


class Room:
    """One channel's sockets in this process and its subscription."""

    def __init__(self, channel_id: str) -> None:
        self.channel_id = channel_id
        self.sockets: set[Socket] = set()
        self.slow_mode_seconds: int | None = None  # None: not known yet (read on join)
        self.opening: asyncio.Future[None] | None = None
        self.subscription: Subscription | None = None
        self.pump: asyncio.Task[None] | None = None


class Hub:
    def __init__(self) -> None:
        self._reset(None)

    def _reset(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.loop = loop
        self.rooms: dict[str, Room] = {}
        # The site-wide subscription (site bans), opened with the first room.
        self.site: asyncio.Future[tuple[Subscription, asyncio.Task[None]]] | None = None
        self.closing: set[asyncio.Future[None]] = set()

    def _on_this_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new event loop (tests): the old tasks died with it
            self._reset(loop)

    # --- sockets come and go ---

    async def attach(self, channel_id: str, socket: Socket) -> Room:
        """Add ``socket`` to the channel's room; return once events sent from now reach it."""
        self._on_this_loop()
        room = self.rooms.get(channel_id)
        if room is None:
            room = self.rooms[channel_id] = Room(channel_id)
            room.opening = asyncio.ensure_future(self._open(room))
        room.sockets.add(socket)
        try:
            assert room.opening is not None
            await asyncio.shield(room.opening)
            if self.site is None:
                self.site = asyncio.ensure_future(self._open_site())
            await asyncio.shield(self.site)
        except BaseException:
            self.detach(channel_id, socket)
            raise
        return room

    def detach(self, channel_id: str, socket: Socket) -> None:
        """Remove ``socket``; the last one out closes the room's subscription."""
        room = self.rooms.get(channel_id)
        if room is None or socket not in room.sockets:
            return
        room.sockets.discard(socket)
        if room.sockets:
            return
        del self.rooms[channel_id]
        closing = [self._close(room)]
        if not self.rooms and self.site is not None:
            closing.append(self._close_site(self.site))
            self.site = None
        for coroutine in closing:
            task = asyncio.ensure_future(coroutine)
            self.closing.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self.closing.discard)

    async def _open(self, room: Room) -> None:
        subscription = bus.subscribe(bus.channel_group(room.channel_id))
        await subscription.open()
        room.subscription = subscription
        room.pump = asyncio.create_task(
            self._pump(subscription, lambda m: self._on_channel_event(room, m)),
            name=f"chat-room-{room.channel_id}",
        )

    async def _close(self, room: Room) -> None:
        with contextlib.suppress(BaseException):
            assert room.opening is not None
            await room.opening
        if room.pump is not None:
            room.pump.cancel()
        if room.subscription is not None:
            with contextlib.suppress(Exception):
                await room.subscription.close()

    async def _open_site(self) -> tuple[Subscription, asyncio.Task[None]]:
        subscription = bus.subscribe(events.SITE_GROUP)
        await subscription.open()
        task = asyncio.create_task(self._pump(subscription, self._on_site_event), name="chat-site")
        return subscription, task

    async def _close_site(
        self, opening: asyncio.Future[tuple[Subscription, asyncio.Task[None]]]
    ) -> None:
        try:
            subscription, task = await opening
        except Exception:
            return  # it never opened
        task.cancel()
        with contextlib.suppress(Exception):
            await subscription.close()

    async def _pump(self, subscription: Subscription, handle: Any) -> None:
        async for message in subscription:
            try:
                await handle(message)
            except Exception:
                log.exception("Could not hand a %r event to the chat sockets", message.get("type"))

    # --- events in ---

    async def _on_channel_event(self, room: Room, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "chat.frame":
            if message.get("origin") == presence.process_id():
                return  # this process delivered it already (publish)
            self.deliver(room, str(message["frame"]), close_user=message.get("close_user"))
            if "slow_mode_seconds" in message:
                room.slow_mode_seconds = int(message["slow_mode_seconds"])
        elif kind == "live.status":
            await self._on_status(room, message)

    async def _on_status(self, room: Room, message: dict[str, Any]) -> None:
        """The channel went live or ended: tell its sockets (one frame for all of them)."""
        if "is_live" in message:
            status: selectors.ChannelStatus | None = selectors.ChannelStatus(
                room.channel_id, bool(message["is_live"]), message.get("hls_url")
            )
        else:  # a sender that only says "something changed": read it
            status = await database_sync_to_async(selectors.channel_status_by_id)(
                channel_id=room.channel_id
            )
        if status is None:
            return
        presence.session_changed(room.channel_id)
        self.deliver(
            room,
            frames.encode(frames.status_frame("started" if status.is_live else "ended", status)),
        )

    async def _on_site_event(self, message: dict[str, Any]) -> None:
        if message.get("type") != "chat.site_ban":
            return
        user_id, text = message.get("user"), str(message.get("frame"))
        for room in list(self.rooms.values()):
            for socket in [s for s in room.sockets if s.user_id == user_id]:
                socket.finish(CLOSE_BANNED, text)

    # --- frames out ---

    def deliver(self, room: Room, text: str, *, close_user: object = None) -> None:
        """Queue ``text`` on every socket of the room (this process only)."""
        for socket in list(room.sockets):
            if close_user is not None and socket.user_id == close_user:
                socket.finish(CLOSE_BANNED, text)
            elif not socket.push(text):
                log.info("closing a chat socket on %s: it reads too slowly", room.channel_id)
                socket.finish(CLOSE_SLOW)

    async def publish(self, channel_id: str, text: str) -> None:
        """Send an encoded frame to every socket of the channel: this process's now, then the
        others' through the bus."""
        room = self.rooms.get(channel_id)
        if room is not None:
            self.deliver(room, text)
        event = events.chat_event(text)
        event["origin"] = presence.process_id()
        await bus.asend(bus.channel_group(channel_id), event)


hub = Hub()
