"""The socket of a channel's page, ``/ws/chat/{slug}/``: the chat, live status, viewer count.

Thin on purpose: frames are parsed by live/chat/frames.py, decisions are made by
live/chat/services.py, and frames reach other sockets through this process's hub
(live/chat/hub.py). docs/chat.md describes the frames.

What a socket does, in order: it is accepted (a refusal must carry its close code, which a
refused handshake cannot), joins the channel's room in the hub (so nothing sent from then on
is missed), learns who its user is (session cookie for browsers, a ticket for other
clients), then sends the channel's state, its rights, the viewer count and the history.
Frames that arrive from the hub before the history are held and sent right after it, so a
client sees history first and may only see a message twice (the same ``id``), never miss one.

Everything is sent through one bounded queue per socket, drained by the socket's own writer
task: the hub never waits for a slow reader (see hub.py for what happens to one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from live import presence, selectors
from live.chat import frames, limits, services
from live.chat import selectors as chat_selectors
from live.chat.errors import ChatNotFound, ChatRefused
from live.chat.hub import CLOSE_BANNED, Room, hub
from live.chat.roles import ANONYMOUS, Role
from live.models import Channel

log = logging.getLogger(__name__)

CLOSE_NO_CHANNEL = 4404  # the 4000-4999 range is the application's (RFC 6455 7.4.2)
CLOSE_POLICY = 1008  # "policy violation": a flood of frames, or too many invalid ones
OUTBOX_FRAMES = 256  # frames queued for one socket before it counts as too slow
# A transport-level guard, looser than the chat's message rate (which answers with errors):
# at most FLOOD_FRAMES frames of any kind in FLOOD_SECONDS, or the socket is closed.
FLOOD_FRAMES = 30
FLOOD_SECONDS = 10.0
INVALID_IN_A_ROW = 20  # malformed frames in a row before the socket is closed
_CLOSE = object()


class ChannelConsumer(AsyncWebsocketConsumer):
    """One reader's socket on one channel: counted as a viewer while it is open."""

    # No channel-layer channel per socket: the hub feeds sockets (with the Redis layer, each
    # socket would otherwise hold a Redis subscription of its own).
    channel_layer_alias = "__no_layer_per_socket__"

    channel_id: str | None = None
    user_id: int | None = None
    role: Role = ANONYMOUS
    room: Room | None = None
    closer: asyncio.Future[None] | None = None

    async def connect(self) -> None:
        self.allowance = float(FLOOD_FRAMES)
        self.checked_at = time.monotonic()
        self.invalid_in_a_row = 0
        self.outbox: asyncio.Queue[Any] = asyncio.Queue(OUTBOX_FRAMES)
        self.early: list[str] | None = []  # frames from the hub before the history went out
        self.closing = False
        self.writer: asyncio.Task[None] | None = None
        slug = self.scope["url_route"]["kwargs"]["slug"]
        found = await database_sync_to_async(selectors.channel_status)(slug=slug)
        await self.accept()
        if found is None:
            await self.close(code=CLOSE_NO_CHANNEL)
            return
        self.writer = asyncio.create_task(self._write_out())
        headers = dict(self.scope.get("headers", ()))
        try:
            joining = await database_sync_to_async(services.join)(
                channel_id=found.channel_id,
                user=self.scope.get("user"),
                browser=b"origin" in headers,
                ticket=_query(self.scope).get("ticket"),
            )
        except Channel.DoesNotExist:  # deleted a moment ago
            self.finish(CLOSE_NO_CHANNEL)
            return
        if joining.refusal:
            self.finish(CLOSE_BANNED, frames.encode(frames.error_frame(joining.refusal)))
            return
        self.role, self.user_id = joining.role, joining.role.user_id
        self.channel_id = found.channel_id
        self.room = await hub.attach(found.channel_id, self)
        if self.room.slow_mode_seconds is None:
            self.room.slow_mode_seconds = joining.slow_mode_seconds
        count = await presence.watch(found.channel_id, self)
        status, history = await database_sync_to_async(self._state)(found.channel_id)
        self._send_now(frames.status_frame("status", status or found))
        self._send_now(
            frames.chat_state_frame(
                username=self.role.username or None,
                badges=self.role.badges,
                can_write=self.role.signed_in,
                slow_mode_seconds=self.room.slow_mode_seconds,
                notice=joining.notice,
            )
        )
        self._send_now(frames.viewer_count_frame(count))
        self._send_now(frames.history_frame(history))
        early, self.early = self.early or [], None
        for text in early:
            self.push(text)

    @staticmethod
    def _state(channel_id: str) -> tuple[selectors.ChannelStatus | None, list[dict[str, Any]]]:
        status = selectors.channel_status_by_id(channel_id=channel_id)
        channel = Channel.objects.select_related("owner").filter(pk=channel_id).first()
        return status, chat_selectors.history(channel=channel) if channel else []

    async def disconnect(self, code: int) -> None:
        if self.writer is not None:
            self.writer.cancel()
        if self.channel_id is not None:
            presence.unwatch(self.channel_id, self)
            hub.detach(self.channel_id, self)
            self.channel_id = None

    # --- frames out: one queue, one writer ---

    def push(self, text: str) -> bool:
        """Queue a frame for this socket (the hub's and presence's way in); False if full."""
        if self.closing:
            return True
        if self.early is not None:
            if len(self.early) >= OUTBOX_FRAMES:
                return False
            self.early.append(text)
            return True
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True

    def _send_now(self, frame: dict[str, Any]) -> None:
        """Queue one of this socket's own frames (ahead of any held hub frames)."""
        with contextlib.suppress(asyncio.QueueFull):
            self.outbox.put_nowait(frames.encode(frame))

    def finish(self, code: int, text: str | None = None) -> None:
        """Send ``text`` after what is queued, then close; at once if the queue is full."""
        if self.closing:
            return
        self.closing = True
        try:
            if text is not None:
                self.outbox.put_nowait(text)
            self.outbox.put_nowait((_CLOSE, code))
        except asyncio.QueueFull:
            if self.writer is not None:
                self.writer.cancel()
            self.closer = asyncio.ensure_future(self.close(code=code))

    async def _write_out(self) -> None:
        try:
            while True:
                item = await self.outbox.get()
                if isinstance(item, tuple):
                    await self.close(code=item[1])
                    return
                await self.send(text_data=item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the connection went away under us: disconnect follows
            log.debug("chat socket writer stopped: %r", exc)

    # --- frames in ---

    def _flooding(self) -> bool:
        now = time.monotonic()
        rate = FLOOD_FRAMES / FLOOD_SECONDS
        self.allowance = min(FLOOD_FRAMES, self.allowance + (now - self.checked_at) * rate)
        self.checked_at = now
        self.allowance -= 1
        return self.allowance < 0

    def _error(self, detail: str) -> None:
        self._send_now(frames.error_frame(detail))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing or self.channel_id is None:
            return
        if self._flooding():
            self.finish(
                CLOSE_POLICY, frames.encode(frames.error_frame("Too many frames; slow down."))
            )
            return
        try:
            command = frames.parse(text_data, bytes_data)
        except frames.BadFrame as exc:
            self.invalid_in_a_row += 1
            if self.invalid_in_a_row >= INVALID_IN_A_ROW:
                detail = f"{INVALID_IN_A_ROW} invalid frames in a row: closing. {exc}"
                self.finish(CLOSE_POLICY, frames.encode(frames.error_frame(detail)))
            else:
                self._error(str(exc))
            return
        self.invalid_in_a_row = 0
        try:
            if isinstance(command, frames.Say):
                await self._say(command.text)
            else:
                await database_sync_to_async(services.act)(
                    channel_id=self.channel_id, user_id=self.user_id, command=command
                )
        except (ChatRefused, ChatNotFound) as exc:
            self._error(str(exc))

    async def _say(self, text: str) -> None:
        if not self.role.signed_in:
            raise ChatRefused(
                "Sign in to chat."
                if b"origin" in dict(self.scope.get("headers", ()))
                else "This socket reads only: connect with a chat ticket to write."
            )
        assert self.channel_id is not None and self.room is not None
        held = await self._check_limits(text)
        try:
            message = await database_sync_to_async(services.message_post)(
                channel_id=self.channel_id, author=self.role, text=text
            )
        except ChatRefused:
            # Refused by a ban or a hook: saying it differently is not a duplicate, and slow
            # mode counts messages that were posted.
            for key in held:
                await limits.limiter().release(key)
            raise
        frame = frames.message_frame(
            id=message.pk,
            text=message.text,
            username=self.role.username,
            badges=self.role.badges,
            created=message.created,
            offset=message.offset,
        )
        await hub.publish(self.channel_id, frames.encode(frame))

    async def _check_limits(self, text: str) -> list[str]:
        """Raise ChatRefused if a limit stops ``text``; return the waits it started."""
        limiter = limits.limiter()
        held = []
        user = str(self.user_id)
        rate = limits.PRIVILEGED if self.role.privileged else limits.EVERYONE
        wait = await limiter.take(user, rate)
        if wait:
            raise ChatRefused(f"You are sending messages too fast: wait {_seconds(wait)}.")
        slow = self.room.slow_mode_seconds if self.room else 0
        if slow and not self.role.privileged:
            wait = await limiter.hold(f"slow:{self.channel_id}:{user}", slow)
            if wait:
                raise ChatRefused(
                    f"Slow mode is on: one message every {slow} seconds. Wait {_seconds(wait)}."
                )
            held.append(f"slow:{self.channel_id}:{user}")
        seen = f"dup:{self.channel_id}:{user}:{limits.fingerprint(text)}"
        if await limiter.hold(seen, limits.DUPLICATE_SECONDS):
            for key in held:
                await limiter.release(key)
            raise ChatRefused("You sent that message a moment ago; say something new.")
        return [*held, seen]


def _seconds(wait: float) -> str:
    whole = max(1, int(wait + 0.999))
    return f"{whole} second{'s' if whole != 1 else ''}"


def _query(scope: dict[str, Any]) -> dict[str, str]:
    raw = scope.get("query_string", b"")
    try:
        parsed = parse_qs(raw.decode("ascii"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {key: values[0] for key, values in parsed.items() if values}
