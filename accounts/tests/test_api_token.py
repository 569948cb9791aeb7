"""POST /api/auth/token/: a token for a username and password, clear refusals otherwise."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Video
from catalog.tests.page_helpers import add_video

pytestmark = pytest.mark.django_db
URL = "/api/auth/token/"


def test_token_for_good_credentials(api: APIClient, user: User) -> None:
    response = api.post(URL, {"username": "alice", "password": "a-long-passphrase"})
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    again = api.post(URL, {"username": "alice", "password": "a-long-passphrase"}, format="json")
    assert again.json() == response.json()  # the same token each time


def test_the_token_authenticates(api: APIClient, user: User) -> None:
    private = add_video(user, "Only mine", visibility=Video.Visibility.PRIVATE)
    token = api.post(URL, {"username": "alice", "password": "a-long-passphrase"}).json()["token"]
    assert api.get(f"/api/videos/{private.pk}/").status_code == 404  # hidden from strangers
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get(f"/api/videos/{private.pk}/")
    assert (response.status_code, response.json()["owner"]) == (200, "alice")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"username": "alice", "password": "wrong"},
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        (
            {"username": "nobody", "password": "a-long-passphrase"},
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        ({"username": "alice"}, {"password": ["This field is required."]}),
        ({}, {"username": ["This field is required."], "password": ["This field is required."]}),
    ],
)
def test_bad_credentials_are_400_with_a_clear_message(
    api: APIClient, user: User, data: dict, expected: dict
) -> None:
    response = api.post(URL, data, format="json")
    assert response.status_code == 400
    assert response.json() == expected
    assert not Token.objects.exists()


def test_inactive_users_get_no_token(api: APIClient, user: User) -> None:
    user.is_active = False
    user.save()
    response = api.post(URL, {"username": "alice", "password": "a-long-passphrase"})
    assert response.status_code == 400


def test_get_is_not_allowed(api: APIClient) -> None:
    response = api.get(URL)
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
