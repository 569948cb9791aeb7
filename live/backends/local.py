"""The embedded live backend: our RTMP ingest (``manage.py ingest``) and ffmpeg packager."""

from __future__ import annotations

from django.conf import settings

from live import bus, keys
from live.backends.base import LiveBackend, Provisioned
from live.models import Channel, LiveSession


class LocalLiveBackend(LiveBackend):
    """Keys are ours; the ingest process hears about rotations and ends through the bus."""

    name = "local"

    def provision(self, *, channel_id: str) -> Provisioned:
        return Provisioned(stream_key=keys.generate(), ingest_url=settings.LIVE_INGEST_URL)

    def rotate_key(self, channel: Channel) -> str:
        return keys.generate()

    def key_rotated(self, channel: Channel) -> None:
        bus.send(
            bus.INGEST, {"type": "ingest.drop", "channel": channel.pk, "reason": "key_rotated"}
        )

    def end_session(self, session: LiveSession, *, reason: str) -> None:
        bus.send(
            bus.INGEST, {"type": "ingest.drop", "channel": session.channel_id, "reason": reason}
        )

    def ingest_url(self, channel: Channel) -> str:
        return settings.LIVE_INGEST_URL

    def deprovision(self, channel: Channel) -> None:
        return None  # nothing outside our database
