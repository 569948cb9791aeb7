"""The chat_fanout baseline: the stock Channels chat, ``group_send`` on channels-redis's core layer.

What the Channels tutorial builds, served by the same uvicorn as ours: every socket joins the
channel's group with a channel-layer channel of its own; a message from a client is
``group_send`` to the group, and each socket's consumer receives its copy from the layer and
encodes and sends it. The layer is ``channels_redis.core.RedisChannelLayer`` with its stock
settings (``capacity`` 100 messages a channel, beyond which ``group_send`` drops them silently,
``expiry`` 60 s) on ``BENCH_REDIS_URL``.

It sends our ``message`` frame's shape (same keys, same compact JSON) so the clients read
both alike. It does less per message than ours: no session lookup, no rate limits in Redis,
no database row: what it costs more is the fan-out alone.

Served as ``uvicorn _chat_baseline:application --app-dir bench``; no project settings.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from typing import Any

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_urlsafe(32),
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                # redis-py 8 reads with a 5 s socket timeout by default, and this layer
                # blocks in BZPOPMIN for 5 s when idle: the read times out and the consumer
                # dies (TimeoutError). No read timeout, as redis-py 7 had by default.
                "CONFIG": {
                    "hosts": [{"address": os.environ["BENCH_REDIS_URL"], "socket_timeout": None}]
                },
            }
        },
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path


def _encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class StockChatConsumer(AsyncWebsocketConsumer):
    """The tutorial's chat consumer: a group per room, ``group_send`` per message."""

    async def connect(self) -> None:
        self.group = "chat_" + self.scope["url_route"]["kwargs"]["slug"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = json.loads(text_data or "{}")
        if frame.get("type") != "message" or not isinstance(frame.get("text"), str):
            return
        message = {
            "type": "message",
            "id": secrets.token_hex(8),
            "text": frame["text"],
            "author": {"username": "sender", "badges": []},
            "created": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "offset": None,
        }
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "frame": message})

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=_encode(event["frame"]))


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/chat/<str:slug>/", StockChatConsumer.as_asgi())])}
)
