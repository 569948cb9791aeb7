"""Who may read and change which video through the API: anonymous, owner, other user."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Subtitle, Video
from catalog.tests.api_helpers import make_video

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"


@pytest.mark.parametrize(
    ("visibility", "anonymous", "other", "owner"),
    [("public", 200, 200, 200), ("unlisted", 200, 200, 200), ("private", 404, 404, 200)],
)
def test_who_can_read_a_video_by_id(
    api: APIClient,
    bob_api: APIClient,
    alice_api: APIClient,
    user: User,
    visibility: str,
    anonymous: int,
    other: int,
    owner: int,
) -> None:
    video = make_video(user, visibility=visibility)
    url = f"/api/videos/{video.pk}/"
    assert api.get(url).status_code == anonymous
    assert bob_api.get(url).status_code == other
    assert alice_api.get(url).status_code == owner


def write_requests(video: Video) -> list[tuple[str, str, dict]]:
    base = f"/api/videos/{video.pk}/"
    return [
        ("patch", base, {"title": "Hacked"}),
        ("delete", base, {}),
        ("post", f"{base}retry/", {}),
        ("post", f"{base}subtitles/", {"language": "en"}),
        ("delete", f"{base}subtitles/en/", {}),
    ]


def _send(client: APIClient, method: str, url: str, data: dict):
    return getattr(client, method)(url, data, format="multipart" if method == "post" else "json")


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_other_users_cannot_change_a_video_they_can_see(
    bob_api: APIClient, user: User, visibility: str
) -> None:
    video = make_video(user, "Mine", visibility=visibility, status="failed")
    Subtitle.objects.create(video=video, language="en", label="English", file="x.vtt")
    for method, url, data in write_requests(video):
        response = _send(bob_api, method, url, data)
        assert response.status_code == 403, (method, url)
        assert response.json() == {"detail": "Only the owner of this video can change it."}
    video.refresh_from_db()
    assert (video.title, video.status) == ("Mine", "failed")
    assert video.subtitles.count() == 1


def test_other_users_get_404_for_a_private_video(bob_api: APIClient, user: User) -> None:
    video = make_video(user, "Mine", visibility="private", status="failed")
    for method, url, data in write_requests(video):
        response = _send(bob_api, method, url, data)
        assert response.status_code == 404, (method, url)
        assert response.json() == {"detail": "No such video."}
    assert Video.objects.filter(pk=video.pk, title="Mine").exists()


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_anonymous_users_cannot_write(api: APIClient, user: User, visibility: str) -> None:
    video = make_video(user, "Mine", visibility=visibility, status="failed")
    for method, url, data in write_requests(video):
        response = _send(api, method, url, data)
        assert response.status_code == 401, (method, url)
        assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"
    assert Video.objects.filter(pk=video.pk, title="Mine").exists()


def test_a_bad_token_is_refused_even_for_reading(api: APIClient, user: User) -> None:
    make_video(user)
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/videos/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_the_owner_can_do_everything(alice_api: APIClient, user: User) -> None:
    video = make_video(user, visibility="private", status="failed")
    url = f"/api/videos/{video.pk}/"
    assert alice_api.patch(url, {"title": "Renamed"}, format="json").status_code == 200
    assert alice_api.post(f"{url}retry/").status_code == 202
    sub = SimpleUploadedFile("en.vtt", VTT)
    response = alice_api.post(f"{url}subtitles/", {"file": sub, "language": "en"})
    assert response.status_code == 201
    assert alice_api.delete(f"{url}subtitles/en/").status_code == 204
    assert alice_api.delete(url).status_code == 204
    assert not Video.objects.exists()
