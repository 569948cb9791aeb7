"""Live fixtures: channels, sessions as the ingest leaves them, both bus modes, the bus
messages sent, real servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from accounts.models import User

# A fixture defined with the process helpers: start scripts/worker.py on the test database.
from catalog.tests.processes import start_worker  # noqa: F401
from config.tests.browser import Browser
from live import bus, events, services
from live.bus import db
from live.chat import limits
from live.models import Channel, LiveSession
from live.tests.factories import create_channel
from live.tests.sockets import server_env, servers


def go_live(channel: Channel, hls_path: str = "", *, announce: bool = False) -> LiveSession:
    """Mark ``channel`` live on a new session, as the ingest does once the first playlist is up.

    ``announce``: and tell its pages and sockets in every process, as the ingest does.
    """
    # Files under live/<channel>/<session>/ are served while that session is live.
    parts = hls_path.split("/")
    named = len(parts) > 3 and parts[0] == "live" and parts[1] == channel.pk
    session = LiveSession.objects.create(
        channel=channel,
        hls_path=hls_path,
        output_prefix=hls_path.rpartition("/")[0],
        **({"id": parts[2]} if named else {}),
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


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    """Each test starts with the chat's rate limits, slow mode and duplicates forgotten."""
    limits.reset()
    yield
    limits.reset()


@pytest.fixture
def mod(db: None, channel: Channel) -> User:
    """Dave, whom Alice appointed moderator of her channel."""
    dave = User.objects.create_user("dave", "dave@example.com", "daves-passphrase")
    services.moderator_add(channel=channel, user=dave)
    return dave


@pytest.fixture(autouse=True)
def bus_connections_closed() -> Iterator[None]:
    """Close the bus relay's and presence's database connections after each test.

    In-process sockets start those pollers; when a test's event loop ends they stop without
    closing their threads' connections, and PostgreSQL will not drop a database in use.
    """
    yield
    db.relay.close_now()
    db.presence.close_now()


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


@pytest.fixture
def channel(user: User) -> Channel:
    """Alice's channel ``alice-live``, offline."""
    return create_channel(user)


@pytest.fixture
def carol(db: None) -> User:
    """A third user: a viewer, a chatter, someone to appoint or to ban."""
    return User.objects.create_user("carol", "carol@example.com", "carol-passphrase-1")


@pytest.fixture
def other_channel(other_user: User) -> Channel:
    return create_channel(other_user, slug="bob-live", title="Bob live")


@pytest.fixture
def bus_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Record what the live backend sends to other processes (the ingest) instead of sending."""
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(bus, "send", lambda group, message: sent.append((group, message)))
    return sent


@pytest.fixture
def channel_rows() -> Callable[[], list[tuple[Any, ...]]]:
    """Snapshot every channel's stored details, to prove a refusal changed nothing."""

    def rows() -> list[tuple[Any, ...]]:
        return list(
            Channel.objects.order_by("pk").values_list(
                "pk", "slug", "title", "description", "tags", "avatar", "offline_image",
                "replay_visibility", "stream_key_hash", F("owner_id"),
            )
        )  # fmt: skip

    return rows


class Server:
    """What Browser needs of a server: its URL."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
def asgi_browser(browser: Browser) -> Iterator[Browser]:
    """The browser fixture's Chromium, on a uvicorn server (the pages' sockets need ASGI)."""
    env = server_env(DJANGO_SETTINGS_MODULE="live.tests.server_settings", REDIS_URL="")
    with servers(1, env) as (port,):
        yield Browser(browser.chromium, Server(port))
