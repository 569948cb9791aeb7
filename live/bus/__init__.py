"""Events between processes: the ingest server, the web processes and the workers.

``send(group, message)`` reaches every subscriber of ``group`` in every process within about a
second: through the Redis channel layer when ``REDIS_URL`` is set, else through the embedded
relay (see live/bus/relay.py for how, and why). Messages are channel-layer messages: a dict
with a ``type`` naming the handler (``"live.status"`` → ``live_status``).
"""

from __future__ import annotations

from live.bus import transport

INGEST = "live.ingest"  # commands for the ingest process (drop a publisher, end a session)


def channel_group(channel_id: str) -> str:
    """Return the group a channel's viewers (pages, sockets) listen on."""
    return f"live.channel.{channel_id}"


def send(group: str, message: dict[str, object]) -> None:
    """Deliver ``message`` to ``group`` in every process (call after the commit it reports)."""
    transport.send(group, message)
