"""Live fixtures: channels, sessions as the ingest leaves them, both bus modes, real servers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User

# A fixture defined with the process helpers: start scripts/worker.py on the test database.
from catalog.tests.processes import start_worker  # noqa: F401
from live import events, services
from live.models import Channel, LiveSession


@pytest.fixture
def channel(user: User) -> Channel:
    """Alice's channel ``studio``, offline."""
    return services.channel_create(owner=user, slug="studio", title="Studio sessions")


def go_live(channel: Channel, hls_path: str = "", *, announce: bool = False) -> LiveSession:
    """Mark ``channel`` live on a new session, as the ingest does once the first playlist is up.

    ``announce``: and tell its pages and sockets in every process, as the ingest does.
    """
    session = LiveSession.objects.create(
        channel=channel, hls_path=hls_path, output_prefix=hls_path.rpartition("/")[0]
    )
    channel.is_live, channel.current_session = True, session
    channel.save(update_fields=["is_live", "current_session"])
    if announce:
        events.announce_status(channel)
    return session


def go_offline(channel: Channel, *, announce: bool = False) -> None:
    """End the channel's session, as the ingest does when the publisher stops."""
    LiveSession.objects.filter(pk=channel.current_session_id).update(
        status=LiveSession.Status.ENDED, ended=timezone.now()
    )
    channel.is_live, channel.current_session = False, None
    channel.save(update_fields=["is_live", "current_session"])
    if announce:
        events.announce_status(channel)


@pytest.fixture(params=["embedded", "redis"])
def bus_mode(request: pytest.FixtureRequest, settings: Any) -> dict[str, str]:
    """Run the test with each transport; return what a process started by it needs in its env.

    ``embedded``: in-memory channel layers, messages through the database. ``redis``: this
    process and the others on the test Redis server's pub/sub layer.
    """
    if request.param == "embedded":
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        return {"REDIS_URL": ""}
    url = request.getfixturevalue("redis_server")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url]},
        }
    }
    return {"REDIS_URL": url}


@pytest.fixture
def make_channel(user: User) -> Callable[..., Channel]:
    """``make_channel(slug, owner=..., title=...)``: another channel."""

    def make(slug: str, *, owner: User | None = None, title: str = "") -> Channel:
        return services.channel_create(owner=owner or user, slug=slug, title=title or slug)

    return make
