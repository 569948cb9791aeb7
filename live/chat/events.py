"""Chat events on the bus: how a frame reaches every socket of a channel, in every process.

On a channel's group (``bus.channel_group``): ``{"type": "chat.frame", "frame": text,
"close_user": id or None, "origin": process or None}``; ``frame`` is the encoded frame, sent to
every socket as it is; ``close_user``'s sockets are closed after it (a ban or timeout);
``origin`` names the process that already delivered it to its own sockets (live/chat/hub.py).

On ``SITE_GROUP``: ``{"type": "chat.site_ban", "user": id, "frame": text}``: that user's
sockets on every channel get the frame and are closed.
"""

from __future__ import annotations

from typing import Any

from live import bus
from live.chat.frames import encode, slow_mode_frame

SITE_GROUP = "live.chat.site"


def chat_event(frame: dict[str, Any] | str, *, close_user: int | None = None) -> dict[str, Any]:
    text = frame if isinstance(frame, str) else encode(frame)
    return {"type": "chat.frame", "frame": text, "close_user": close_user}


def announce(channel_id: str, frame: dict[str, Any], *, close_user: int | None = None) -> None:
    """Send ``frame`` to every socket on the channel, in every process (from sync code, after
    the current transaction commits)."""
    bus.send(bus.channel_group(channel_id), chat_event(frame, close_user=close_user))


def announce_site_ban(user_id: int, frame: dict[str, Any]) -> None:
    """Send ``frame`` to the user's sockets on every channel and close them."""
    bus.send(SITE_GROUP, {"type": "chat.site_ban", "user": user_id, "frame": encode(frame)})


def announce_slow_mode(channel_id: str, seconds: int) -> None:
    """Tell the channel's sockets (and hubs, which enforce it) the new slow mode."""
    event = chat_event(slow_mode_frame(seconds))
    event["slow_mode_seconds"] = seconds
    bus.send(bus.channel_group(channel_id), event)
