"""The socket of a channel's page, ``/ws/chat/{slug}/``: live status and viewer count.

Frames from the server are JSON objects with a ``type`` (DESIGN.md): ``system`` (``event``
``status`` on connect, then ``live`` or ``offline``, with ``is_live`` and ``hls_url``),
``viewer_count`` and ``error``. The chat issue adds its messages here; until then a client
frame is answered with an ``error``, and a client that floods or sends oversized frames is
disconnected.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from live import bus, presence, selectors
from live.selectors import ChannelStatus

log = logging.getLogger(__name__)

CLOSE_NO_CHANNEL = 4404  # the 4000-4999 range is the application's (RFC 6455 7.4.2)
CLOSE_TOO_BIG = 1009  # "message too big"
CLOSE_POLICY = 1008  # "policy violation": too many frames
MAX_FRAME_BYTES = 4096
# At most FLOOD_FRAMES client frames in FLOOD_SECONDS (a token bucket): chat will need a
# handful a minute per person, a script sending thousands a second is cut off.
FLOOD_FRAMES = 20
FLOOD_SECONDS = 10.0
NOT_YET = "This socket does not take messages yet."


def system(event: str, status: ChannelStatus) -> dict[str, Any]:
    """Return the frame that tells a page the channel's state."""
    return {"type": "system", "event": event, "is_live": status.is_live, "hls_url": status.hls_url}


class ChannelConsumer(AsyncWebsocketConsumer):
    """One viewer's socket on one channel: counted as a viewer while it is open."""

    channel_id: str | None = None
    group = ""

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.allowance = float(FLOOD_FRAMES)
        self.checked_at = time.monotonic()
        found = await database_sync_to_async(selectors.channel_status)(slug=slug)
        await self.accept()  # before closing: a refused handshake could not carry the code
        if found is None:
            await self.close(code=CLOSE_NO_CHANNEL)
            return
        self.channel_id = found.channel_id
        self.group = bus.channel_group(found.channel_id)
        await bus.join(self.group, self.channel_name)
        # Read again after joining: a change committed meanwhile is in this read or arrives
        # as an event (or both, which says the same thing twice).
        status = await database_sync_to_async(selectors.channel_status_by_id)(
            channel_id=found.channel_id
        )
        count = await presence.watch(found.channel_id, self)
        await self.send_json(system("status", status or found))
        await self.send_json({"type": "viewer_count", "count": count})

    async def disconnect(self, code: int) -> None:
        if self.channel_id is not None:
            presence.unwatch(self.channel_id, self)
            await bus.leave(self.group, self.channel_name)
            self.channel_id = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Events a later release sends to a channel's group must not crash older sockets.
        if getattr(self, get_handler_name(message), None) is None:
            log.debug("No handler for %r on the channel socket", message.get("type"))
            return
        await super().dispatch(message)

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    def _flooding(self) -> bool:
        now = time.monotonic()
        rate = FLOOD_FRAMES / FLOOD_SECONDS
        self.allowance = min(FLOOD_FRAMES, self.allowance + (now - self.checked_at) * rate)
        self.checked_at = now
        self.allowance -= 1
        return self.allowance < 0

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        if self._flooding():
            await self.close(code=CLOSE_POLICY)
            return
        if text_data is None:
            await self.send_json({"type": "error", "detail": "Send JSON text frames."})
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_json({"type": "error", "detail": "A frame is a JSON object."})
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_json({"type": "error", "detail": "A frame is a JSON object."})
            return
        await self.send_json({"type": "error", "detail": NOT_YET})

    # --- group events (handlers named after the event type) ---

    async def live_status(self, event: dict[str, Any]) -> None:
        """Tell the page that the channel went live or ended."""
        if "is_live" in event:
            status: ChannelStatus | None = ChannelStatus(
                str(self.channel_id), bool(event["is_live"]), event.get("hls_url")
            )
        else:  # a sender that only says "something changed": read it
            status = await database_sync_to_async(selectors.channel_status_by_id)(
                channel_id=str(self.channel_id)
            )
        if status is not None:
            presence.session_changed(status.channel_id)
            await self.send_json(system("live" if status.is_live else "offline", status))

    async def viewer_count(self, event: dict[str, Any]) -> None:
        """Tell the page how many are watching (live.presence sends it when it changes)."""
        await self.send_json({"type": "viewer_count", "count": int(event["count"])})
