"""Websocket routes of the live app (config/asgi.py mounts them by WEBSOCKET_URLCONF)."""

from django.urls import path

from live import consumers

SOCKET_PREFIX = "ws/chat/"

websocket_urlpatterns = [
    path(f"{SOCKET_PREFIX}<str:slug>/", consumers.ChannelConsumer.as_asgi()),
]


def socket_path(slug: str) -> str:
    """Return the path of a channel's socket (DESIGN.md: ``/ws/chat/{slug}/``)."""
    return f"/{SOCKET_PREFIX}{slug}/"
