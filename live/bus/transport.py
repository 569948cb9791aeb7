"""How bus messages travel (the embedded relay joins this in the bus work)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def send(group: str, message: dict[str, object]) -> None:
    """Hand ``message`` to the channel layer's ``group``."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)
