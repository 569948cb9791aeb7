"""The messages a channel's viewers hear on the bus, and who sends them."""

from __future__ import annotations

from typing import Any

from live import bus, selectors
from live.models import Channel

LIVE_STATUS = "live.status"


def status_event(channel: Channel) -> dict[str, Any]:
    """Return the ``live.status`` message that reports the channel's state as it is now."""
    return {
        "type": LIVE_STATUS,
        "channel": channel.pk,
        "is_live": channel.is_live,
        "hls_url": selectors.hls_url(channel),
    }


def announce_status(channel: Channel) -> None:
    """Tell the channel's pages and sockets, in every process, that it went live or ended.

    Call it in sync code once the channel's ``is_live``/``current_session`` are saved (inside
    the transaction that saves them is fine: the message leaves when it commits).
    """
    bus.send(bus.channel_group(channel.pk), status_event(channel))
