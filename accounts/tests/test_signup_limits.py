"""Sign-ups are limited per address: accounts created, and refused forms apart."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from conftest import FrozenClock

pytestmark = pytest.mark.django_db

HOME, OTHER = "203.0.113.9", "198.51.100.7"


@pytest.fixture(autouse=True)
def _limits(settings, limits_clock: FrozenClock) -> None:
    settings.RATE_SIGNUPS = "2/h"
    settings.RATE_SIGNUPS_REFUSED = "3/h"


PASSWORD = "a-very-good-passphrase"


def sign_up(name: str, *, address: str = HOME) -> Any:
    data = {"username": name, "email": "", "password1": PASSWORD, "password2": PASSWORD}
    return Client().post("/accounts/signup/", data, REMOTE_ADDR=address)


def assert_limited(response: Any) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Too many sign-ups from your network. Try again in 60 minutes." in html
    assert 'name="password1"' in html  # the form again, to try later


def test_accounts_created_per_address_are_limited(limits_clock: FrozenClock) -> None:
    assert sign_up("carol").status_code == 302
    assert sign_up("dave").status_code == 302
    assert_limited(sign_up("erin"))
    assert not User.objects.filter(username="erin").exists()
    assert sign_up("erin", address=OTHER).status_code == 302  # another network
    limits_clock.advance(3600)
    assert sign_up("frank").status_code == 302


def test_refused_forms_have_their_own_limit(user: User) -> None:
    for _ in range(3):  # the name is taken
        assert sign_up("alice").status_code == 200
    limited = sign_up("alice")
    assert_limited(limited)
    # Refused before validation: the page no longer says which names are taken.
    assert "already exists" not in limited.content.decode()


def test_refused_forms_do_not_use_up_the_sign_ups(user: User) -> None:
    for _ in range(2):
        assert sign_up("alice").status_code == 200  # taken
    assert sign_up("carol").status_code == 302
    assert sign_up("dave").status_code == 302
