"""Fixtures shared by every app's tests."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import cast

import imageio_ffmpeg
import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from config import health, ratelimit
from moderation import policy

# The ``browser`` fixture (headless Chromium; pages checked for CSP, errors and axe-core), and
# ``redis_server``, ``redis_cache`` and ``shared_cache`` (a throwaway Redis server).
pytest_plugins = ["config.tests.browser", "config.tests.redis_server"]


def pytest_configure(config: pytest.Config) -> None:
    # A connection left open makes PostgreSQL refuse to drop the test database; pytest-django
    # only warns about that. Fail instead, so that a leak cannot go unnoticed.
    config.addinivalue_line(
        "filterwarnings", "error:Error when trying to teardown test databases:pytest.PytestWarning"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the SQLite test database's WAL and shared-memory files.

    Django deletes the database file itself; in WAL mode the two files beside it outlive
    it when worker subprocesses had it open, and would pile up in the temporary folder.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    test = cast(dict[str, object], database.get("TEST") or {})
    name = str(test.get("NAME") or "")
    if database["ENGINE"] == "django.db.backends.sqlite3" and name:
        for suffix in ("-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    """Give each test its own MEDIA_ROOT and transcode work folder."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.TRANSCODE_WORK_DIR = str(tmp_path / "work")
    return root


@pytest.fixture
async def async_db(transactional_db: None) -> AsyncIterator[None]:
    """Database access for an async test; close what its ``sync_to_async`` calls opened.

    Outside a request, ``sync_to_async`` runs in asgiref's one shared thread, whose connection
    nobody else closes (requests close theirs at the end).
    """
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def empty_cache(request: pytest.FixtureRequest) -> None:
    """Start each test that uses the database with an empty cache (rate limits count in it)
    and the shipped moderation policy.

    The cache is a table of the test database: a ``db`` test rolls its rows back by itself, a
    ``transactional_db`` one leaves them for the next test, and a test without the database
    has no cache to clear (and may not touch the table).
    """
    if "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")  # the test database first (transactional_db still wins)
        cache.clear()
        # A transactional test's flush empties what migrations wrote, the moderation policy
        # included: put the shipped rules back (and forget this process's cached copy).
        policy.install_defaults()
        policy.rules.forget()


class FrozenClock:
    """The rate limits' clock, held still at the start of a window, moved only by tests."""

    def __init__(self) -> None:
        self.now = 86400.0 * 20_000  # midnight: the start of every window (minutes to a day)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def limits_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Freeze the limits' clock, so that no window ends mid-test unless the test says so."""
    clock = FrozenClock()
    monkeypatch.setattr(ratelimit, "clock", clock)
    return clock


@pytest.fixture(autouse=True)
def fresh_readiness() -> None:
    """Start each test with no remembered /readyz answer (each process keeps its own)."""
    health.forget()


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user("alice", "alice@example.com", "a-long-passphrase")


@pytest.fixture
def other_user(db) -> User:
    return User.objects.create_user("bob", "bob@example.com", "another-passphrase")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def alice_api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def bob_api(other_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_user)
    return client


@pytest.fixture
def alice(client: Client, user: User) -> Client:
    """The test client, signed in as ``user``."""
    client.force_login(user)
    return client


@pytest.fixture
def bob(other_user: User) -> Client:
    """A second test client, signed in as ``other_user``."""
    client = Client()
    client.force_login(other_user)
    return client


FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def make_clip(
    path: Path,
    *args: str,
    seconds: float = 2,
    size: str = "640x360",
    rate: int = 30,
    audio: bool = True,
    video: bool = True,
) -> Path:
    """Render a tiny test clip with ffmpeg's lavfi sources (never a committed binary)."""
    cmd = [FFMPEG, "-v", "error", "-y"]
    if video:
        cmd += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    if video:
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        cmd += ["-c:a", "aac", "-b:a", "64k"]
    cmd += [*args, str(path)]
    subprocess.run(cmd, check=True, timeout=60)
    return path


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def clip(clip_dir: Path) -> Path:
    """The standard 2 s 640x360 clip with a tone (yields a 360 + 240 ladder)."""
    return make_clip(clip_dir / "clip.mp4")


@pytest.fixture
def clip_factory(clip_dir: Path) -> Callable[..., Path]:
    """Make a named clip once per session with other parameters."""

    def factory(name: str, *args: str, **kwargs: object) -> Path:
        path = clip_dir / name
        if not path.exists():
            make_clip(path, *args, **kwargs)  # type: ignore[arg-type]
        return path

    return factory
