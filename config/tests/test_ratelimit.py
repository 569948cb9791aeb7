"""The limiter: counts kept in a shared cache, addresses as counted, rates as configured."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connections
from django.test import RequestFactory

from config.ratelimit import Limit, address_key, client_address, reserve
from conftest import FrozenClock

pytestmark = pytest.mark.django_db

LIMIT = Limit("test", "RATE_TEST")


@pytest.fixture(autouse=True)
def _rate(settings, limits_clock: FrozenClock) -> None:
    settings.RATE_TEST = "2/15m"


def test_the_wait_runs_to_the_end_of_the_window(limits_clock: FrozenClock) -> None:
    assert reserve((LIMIT, ("k",))).wait == 0
    assert reserve((LIMIT, ("k",))).wait == 0
    assert reserve((LIMIT, ("k",))).wait == 900
    limits_clock.advance(600)
    assert reserve((LIMIT, ("k",))).wait == 300
    assert reserve((LIMIT, ("other",))).wait == 0
    limits_clock.advance(300)
    assert reserve((LIMIT, ("k",))).wait == 0


def test_a_refused_or_given_back_event_counts_for_nothing() -> None:
    other = Limit("test-other", "RATE_TEST")
    reserve((LIMIT, ("k",)))
    reserve((LIMIT, ("k",)))
    refused = reserve((other, ("k",)), (LIMIT, ("k",)))
    assert refused.over == [(LIMIT, 900)]
    assert reserve((other, ("k",))).wait == 0  # 1 (the refused event counted in neither)
    reserve((other, ("k",))).give_back(other)  # 2, then 1 again
    assert reserve((other, ("k",))).wait == 0  # 2
    assert reserve((other, ("k",))).wait == 900


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["database", "redis"])
def test_concurrent_increments_are_all_counted(backend: str, request) -> None:
    """Threads with their own connections add to one counter at once: no count is lost."""
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    cache.add("counter", 0, 60)
    threads, each = 8, 25
    start = threading.Barrier(threads)

    def add() -> None:
        try:
            start.wait()
            for _ in range(each):
                cache.incr("counter")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(add) for _ in range(threads)]:
            future.result()
    assert cache.get("counter") == threads * each


def test_one_ipv6_subscriber_is_one_address() -> None:
    # A home or a server gets a whole /64: counting single addresses would let it rotate.
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1")
    assert address_key("192.0.2.1") != address_key("192.0.2.2")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # nobody in front: the header is the client's word
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # what our proxy appended
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),  # CDN, then balancer
        (2, "198.51.100.7", "198.51.100.7"),  # fewer hops than proxies: the first
        (1, None, "10.0.0.2"),  # no header: the connection's address
    ],
)
def test_client_address(settings, proxies: int, forwarded: str | None, expected: str) -> None:
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(request) == expected


def configured(**variables: str) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.CACHES['default']['BACKEND'], s.REST_FRAMEWORK['NUM_PROXIES'])"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "NUM_PROXIES")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.test", **variables}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variables", "output"),
    [
        ({}, "config.cache.AtomicDatabaseCache 0"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0", "NUM_PROXIES": "1"},
            "django.core.cache.backends.redis.RedisCache 1",
        ),
    ],
)
def test_the_cache_follows_redis_url(variables: dict[str, str], output: str) -> None:
    result = configured(**variables)
    assert (result.returncode, result.stdout.strip()) == (0, output)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"NUM_PROXIES": "-1"}, "NUM_PROXIES must be zero or more, got -1."),
        ({"NUM_PROXIES": "one"}, "NUM_PROXIES must be a whole number, got 'one'."),
        (
            {"RATE_UPLOADS": "lots"},
            "RATE_UPLOADS: 'lots' is not a rate such as 5/15m, 60/h or 100/day.",
        ),
        (
            {"RATE_SIGNIN_FAILURES": "5/0m"},
            "RATE_SIGNIN_FAILURES: '5/0m' is not a rate such as 5/15m, 60/h or 100/day.",
        ),
    ],
)
def test_a_bad_limit_setting_stops_start_up(variables: dict[str, str], message: str) -> None:
    result = configured(**variables)
    assert result.returncode == 2
    assert result.stderr == f"Onair configuration error: {message}\n"
