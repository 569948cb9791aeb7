"""Guesses and sign-ups sent all at once meet the limits as if sent one by one.

Each test runs on the database cache (SQLite, and PostgreSQL in make test's second run) and on
a real Redis server; the requests run in threads, each with its own database connection.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.forms import SignupForm
from accounts.models import User
from config.tests.races import Gate
from conftest import FrozenClock

pytestmark = pytest.mark.django_db(transaction=True)

AT_ONCE = 20
ADDRESS = "203.0.113.9"
URLS = {"api": "/api/auth/token/", "page": "/accounts/login/", "admin": "/admin/login/"}


@pytest.mark.parametrize("route", URLS)
def test_guesses_sent_at_once_reach_the_password_check_at_most_limit_times(
    route: str, settings, limits_clock: FrozenClock, user: User, shared_cache: str, monkeypatch
) -> None:
    settings.RATE_SIGNIN_FAILURES = "5/15m"
    gate = Gate(AT_ONCE)
    gate.guard(monkeypatch, User, "check_password")

    def guess(n: int) -> Any:
        data = {"username": "alice", "password": f"guess-{n}"}
        return Client().post(URLS[route], data, REMOTE_ADDR=ADDRESS)

    statuses = sorted(response.status_code for response in gate.rush(guess))
    assert gate.reached == 5
    wrong = 400 if route == "api" else 200
    assert statuses == [wrong] * 5 + [429] * (AT_ONCE - 5)
    # The five failures stand: the right password is refused too, until the window ends.
    right = {"username": "alice", "password": "a-long-passphrase"}
    assert Client().post(URLS[route], right, REMOTE_ADDR=ADDRESS).status_code == 429


def test_sign_ups_sent_at_once_create_at_most_limit_accounts(
    settings, limits_clock: FrozenClock, shared_cache: str, monkeypatch
) -> None:
    settings.RATE_SIGNUPS = "5/h"
    gate = Gate(AT_ONCE)
    gate.guard(monkeypatch, SignupForm, "clean")
    password = "a-very-good-passphrase"

    def sign_up(n: int) -> Any:
        data = {"username": f"user{n}", "email": "", "password1": password, "password2": password}
        return Client().post("/accounts/signup/", data, REMOTE_ADDR=ADDRESS)

    statuses = sorted(response.status_code for response in gate.rush(sign_up))
    assert statuses == [302] * 5 + [429] * (AT_ONCE - 5)
    assert User.objects.count() == 5
