"""API tokens stop working when the password changes (however it changes) or when they expire."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase"
NEW_PASSWORD = "a-different-passphrase"
NEW_TOKEN = "Get a new one: POST your username and password to /api/auth/token/."


def token_for(password: str = PASSWORD) -> str:
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def upload_with(token: str) -> tuple[int, dict]:
    """POST an empty upload: 400 (what is missing) once signed in, 401 when the token fails."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.post("/api/videos/", {}, format="json")
    return response.status_code, response.json()


def on_the_password_change_page(user: User) -> None:
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content


def by_password_reset(user: User) -> None:
    client = Client()
    client.post("/accounts/password_reset/", {"email": user.email})
    body = str(mail.outbox[-1].body)
    link = re.search(r"/accounts/reset/\S+/", body)
    assert link is not None, body
    form = client.get(link[0], follow=True)  # Django keeps the link in the session, redirects
    new = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(form.redirect_chain[-1][0], new).status_code == 302


def in_the_admin(user: User) -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    new = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    response = client.post(f"/admin/accounts/user/{user.pk}/password/", new)
    assert response.status_code == 302, response.content


def with_changepassword(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "alice", stdout=None)


@pytest.mark.parametrize(
    "change", [on_the_password_change_page, by_password_reset, in_the_admin, with_changepassword]
)
def test_a_password_change_revokes_the_token_and_the_new_one_works(
    user: User, change: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = token_for()
    assert upload_with(old)[0] == 400  # signed in: the upload lacks its fields

    if change is with_changepassword:
        change(user, monkeypatch)
    else:
        change(user)

    status, body = upload_with(old)
    assert status == 401
    assert body == {
        "detail": f"This API token stopped working when the account's password changed. {NEW_TOKEN}"
    }
    new = token_for(NEW_PASSWORD)
    assert new != old
    assert upload_with(new)[0] == 400
    assert token_for(NEW_PASSWORD) == new  # stable until the next change


def test_a_token_past_its_lifetime_is_refused_with_how_to_get_another(user: User, settings) -> None:
    settings.API_TOKEN_MAX_AGE_SECONDS = 3600
    token = token_for()
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(seconds=3599))
    assert upload_with(token)[0] == 400  # not expired yet

    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(seconds=3601))
    assert upload_with(token) == (401, {"detail": f"This API token has expired. {NEW_TOKEN}"})

    fresh = token_for()
    assert fresh != token
    assert upload_with(fresh)[0] == 400


def test_tokens_never_expire_without_a_lifetime(user: User, settings) -> None:
    settings.API_TOKEN_MAX_AGE_SECONDS = None
    token = token_for()
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(days=3650))
    assert upload_with(token)[0] == 400
    assert token_for() == token


class FastPBKDF2(PBKDF2PasswordHasher):
    iterations = 1


def test_a_password_hash_upgrade_is_no_password_change(user: User, settings) -> None:
    token = token_for()
    # A new preferred hasher: the next sign-in re-hashes the same password, as after an
    # upgrade of Django raised the iterations.
    settings.PASSWORD_HASHERS = [
        f"{__name__}.FastPBKDF2",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert token_for() == token
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$1$")  # it was re-hashed
    assert upload_with(token)[0] == 400
