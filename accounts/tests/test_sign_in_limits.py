"""Password guessing is limited on every sign-in route, by address and account+address only."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from accounts.models import User
from catalog.tests.processes import database_url
from conftest import FrozenClock

pytestmark = pytest.mark.django_db

ROUTES = ("api", "page", "admin")
URLS = {"api": "/api/auth/token/", "page": "/accounts/login/", "admin": "/admin/login/"}
PASSWORD = "a-long-passphrase"
ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


@pytest.fixture(autouse=True)
def _limits(settings, limits_clock: FrozenClock, user: User) -> None:
    settings.RATE_SIGNIN_FAILURES = "3/15m"
    settings.RATE_SIGNIN_FAILURES_ADDRESS = "10/15m"
    user.is_staff = True  # so that the right password opens the admin too
    user.save()


def sign_in(
    route: str, password: str, *, username: str = "alice", address: str = ATTACKER, **meta: Any
) -> Any:
    """Try a password on a route from an address, as a new client (no session, no cookie)."""
    data = {"username": username, "password": password}
    return Client().post(URLS[route], data, REMOTE_ADDR=address, **meta)


def succeeded(response: Any) -> bool:
    """A page sign-in redirects; the API answers the token."""
    if response["Content-Type"] == "application/json":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


def refused_for_guessing(response: Any) -> bool:
    return response.status_code in (200, 400) and not succeeded(response)


def assert_limited(route: str, response: Any) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    message = "Too many failed sign-ins. Try again in 15 minutes."
    if route == "api":
        assert response.json() == {"detail": message}
    else:  # the form again, with the reason, under the page's strict CSP
        html = response.content.decode()
        assert message in html and 'name="password"' in html
        assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("route", ROUTES)
def test_failed_sign_ins_are_limited_with_429_and_retry_after(route: str) -> None:
    for _ in range(3):
        assert refused_for_guessing(sign_in(route, "guess"))
    assert_limited(route, sign_in(route, PASSWORD))  # the right password is not even tried


@pytest.mark.parametrize("route", ROUTES)
def test_the_window_ends_and_the_right_password_works_again(
    route: str, limits_clock: FrozenClock
) -> None:
    for _ in range(3):
        sign_in(route, "guess")
    assert sign_in(route, PASSWORD).status_code == 429
    limits_clock.advance(15 * 60)
    assert succeeded(sign_in(route, PASSWORD))


@pytest.mark.parametrize("route", ROUTES)
def test_a_strangers_failures_do_not_lock_the_owner_out(route: str) -> None:
    for _ in range(5):
        sign_in(route, "guess", address=ATTACKER)
    assert sign_in(route, PASSWORD, address=ATTACKER).status_code == 429
    assert succeeded(sign_in(route, PASSWORD, address=OWNER))


@pytest.mark.parametrize("route", ROUTES)
def test_successes_are_not_counted(route: str) -> None:
    for _ in range(4):
        assert succeeded(sign_in(route, PASSWORD))
    assert refused_for_guessing(sign_in(route, "typo"))  # still below the limit


def test_a_success_forgets_the_accounts_earlier_failures() -> None:
    for _ in range(2):
        sign_in("page", "typo")
    assert succeeded(sign_in("page", PASSWORD))
    for _ in range(2):  # would have been the 3rd and 4th failure
        assert refused_for_guessing(sign_in("page", "typo"))


@pytest.mark.parametrize("route", ROUTES)
def test_guessing_many_accounts_from_one_address_is_limited(route: str) -> None:
    for n in range(10):  # two guesses each: under the per-account limit
        assert refused_for_guessing(sign_in(route, "guess", username=f"user{n // 2}"))
    assert_limited(route, sign_in(route, PASSWORD))
    assert succeeded(sign_in(route, PASSWORD, address=OWNER))


@pytest.mark.parametrize("route", ROUTES)
def test_a_forged_forwarded_for_does_not_evade_the_limit(route: str, settings) -> None:
    settings.NUM_PROXIES = 0  # nobody in front: the header is the client's own word
    for n in range(3):
        sign_in(route, "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_limited(route, sign_in(route, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"))


@pytest.mark.parametrize("route", ROUTES)
def test_the_forwarded_for_of_our_proxy_is_honoured(route: str, settings) -> None:
    settings.NUM_PROXIES = 1  # one proxy of ours, at REMOTE_ADDR, appends the client it saw
    proxy = "10.0.0.2"
    for n in range(3):  # what the client forges comes first, and is ignored
        forged = f"192.0.2.{n}, {ATTACKER}"
        sign_in(route, "guess", address=proxy, HTTP_X_FORWARDED_FOR=forged)
    limited = sign_in(route, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert limited.status_code == 429
    # Another client behind the same proxy is another address.
    assert succeeded(sign_in(route, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=OWNER))


def test_the_admin_does_not_count_a_right_password_of_a_non_staff_account(user: User) -> None:
    user.is_staff = False
    user.save()
    for _ in range(4):  # refused (not staff), but no guess
        assert sign_in("admin", PASSWORD).status_code == 200
    assert succeeded(sign_in("page", PASSWORD))


def test_a_json_body_that_is_not_an_object_is_a_400(client: Client) -> None:
    response = client.post(URLS["api"], "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert client.post(URLS["api"], {}, content_type=MULTIPART_CONTENT).status_code == 400


# Another web process: a Django test client in a second Python process, on the same database.
OTHER_PROCESS = """
import sys, django
django.setup()
from django.test.utils import setup_test_environment
from django.test import Client
from config import ratelimit
setup_test_environment()
ratelimit.clock = lambda: float(sys.argv[1])
for _ in range(3):
    reply = Client().post("/accounts/login/", {"username": "alice", "password": "guess"},
                          REMOTE_ADDR=sys.argv[2])
    assert reply.status_code == 200, reply.status_code
"""


@pytest.mark.django_db(transaction=True)
def test_the_counts_are_shared_by_every_web_process(
    limits_clock: FrozenClock, shared_cache: str, settings
) -> None:
    """Another process records the failures; this one, on the same cache, refuses the 4th."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "RATE_SIGNIN_FAILURES": "3/15m",
        "RATE_SIGNIN_FAILURES_ADDRESS": "10/15m",
    }
    env.pop("REDIS_URL", None)
    if shared_cache == "redis":  # the other process reads REDIS_URL as production does
        env["REDIS_URL"] = settings.CACHES["default"]["LOCATION"]
    connection.close()  # SQLite: let the other process write without waiting for us
    subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, str(limits_clock.now), ATTACKER],
        env=env,
        cwd=django_settings.BASE_DIR,
        check=True,
        timeout=120,
    )
    assert_limited("page", sign_in("page", PASSWORD))
