"""Account pages: sign-up, sign-in, sign-out, password change and reset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def page(client: Client, url: str) -> str:
    """GET a page, check it renders under the strict CSP, and return its HTML."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.content.decode()
    for attrs in SCRIPT_TAG.findall(html):
        assert "src=" in attrs or 'type="application/json"' in attrs
    assert not HANDLER_ATTR.search(html)
    return html


def test_signup_creates_an_account_and_signs_in(client: Client) -> None:
    html = page(client, "/accounts/signup/")
    assert '<label for="id_username">' in html and 'name="password2"' in html

    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a-very-good-passphrase",
            "password2": "a-very-good-passphrase",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="carol")
    assert user.email == "carol@example.com" and user.check_password("a-very-good-passphrase")
    home = client.get("/").content.decode()
    assert "Welcome to Onair, carol." in home  # signed in


def test_signup_rejects_a_bad_form_with_readable_errors(client: Client, user: User) -> None:
    response = client.post(
        "/accounts/signup/",
        {"username": "alice", "email": "x", "password1": "abc", "password2": "abd"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A user with that username already exists." in html
    assert "Enter a valid email address." in html
    assert "The two password fields didn’t match." in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 1


def test_signed_in_user_is_sent_home_from_signup(client: Client, user: User) -> None:
    client.force_login(user)
    assert client.get("/accounts/signup/")["Location"] == "/"


def test_login_and_logout(client: Client, user: User) -> None:
    html = page(client, "/accounts/login/?next=/me/videos/")
    assert 'name="next" value="/me/videos/"' in html

    bad = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert bad.status_code == 200
    assert "Please enter a correct username and password." in bad.content.decode()

    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "a-long-passphrase", "next": "/me/videos/"},
    )
    assert response.status_code == 302 and response["Location"] == "/me/videos/"
    assert client.get("/me/videos/").status_code == 200

    assert client.get("/accounts/logout/").status_code == 405  # sign-out is a POST form
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/me/videos/").status_code == 302


def test_password_change(client: Client, user: User) -> None:
    assert client.get("/accounts/password_change/").status_code == 302  # sign in first
    client.force_login(user)
    page(client, "/accounts/password_change/")

    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert "Your old password was entered incorrectly." in wrong.content.decode()

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "a-long-passphrase",
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
        follow=True,
    )

    assert "Password changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_password_reset_by_email(client: Client, user: User, settings: Any) -> None:
    page(client, "/accounts/password_reset/")
    response = client.post("/accounts/password_reset/", {"email": "alice@example.com"})
    assert response["Location"] == "/accounts/password_reset/done/"
    page(client, "/accounts/password_reset/done/")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your Onair password"
    assert message.to == ["alice@example.com"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", str(message.body))
    assert link, message.body

    form_page = client.get(link.group(1), follow=True)  # Django swaps the token for a session
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "reset-passphrase-42", "new_password2": "reset-passphrase-42"},
        follow=True,
    )

    assert "Your password is set" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("reset-passphrase-42")
    expired = client.get(link.group(1), follow=True).content.decode()
    assert "This link no longer works" in expired


def test_password_reset_for_unknown_address_sends_nothing(client: Client, user: User) -> None:
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
