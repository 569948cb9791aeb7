"""Site bans are enforced wherever content is written: API writes, uploads, new channels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video, upload
from moderation import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def banned(user: User) -> User:
    services.ban_create(
        user=user,
        channel_id=None,
        until=timezone.now() + timedelta(days=3),
        reason="Streamed a smoking break",
        created_by=None,
    )
    return user


def test_api_writes_are_refused_with_the_reason_and_the_end(
    banned: User, alice_api: APIClient
) -> None:
    answer = alice_api.post("/api/videos/", {"file": upload(), "title": "New"}, format="multipart")
    assert answer.status_code == 403
    detail = answer.json()["detail"]
    assert "banned from this site until" in detail and "Streamed a smoking break" in detail
    track = alice_api.post("/api/tracks/", {"file": upload("song.mp3")}, format="multipart")
    assert track.status_code == 403 and "Streamed a smoking break" in track.json()["detail"]
    assert not Video.objects.exists()
    assert (
        alice_api.post(
            "/api/channels/", {"slug": "mine", "title": "Mine"}, format="json"
        ).status_code
        == 403
    )


def test_reads_stay_open_to_a_banned_user(banned: User, alice_api: APIClient) -> None:
    video = make_video(banned)
    assert alice_api.get(f"/api/videos/{video.pk}/").status_code == 200
    assert alice_api.get("/api/videos/").status_code == 200


def test_pages_that_create_content_say_why(banned: User, alice: Client) -> None:
    for url in ("/upload/", "/music/upload/", "/me/channels/new/"):
        page = alice.get(url)
        assert page.status_code == 403, url
        assert b"Streamed a smoking break" in page.content


def test_a_lifted_ban_lets_them_write_again(
    banned: User, alice: Client, alice_api: APIClient
) -> None:
    for ban in banned.bans.all():
        services.ban_lift(ban=ban, lifted_by=None)
    assert alice.get("/upload/").status_code == 200
    assert (
        alice_api.post(
            "/api/channels/", {"slug": "mine", "title": "Mine"}, format="json"
        ).status_code
        == 201
    )
