"""Websocket routes of the live app (config/asgi.py mounts them by WEBSOCKET_URLCONF)."""

from django.urls import path

from live import consumers

websocket_urlpatterns = [
    path("ws/chat/<str:slug>/", consumers.ChannelConsumer.as_asgi(), name="channel_socket"),
]
