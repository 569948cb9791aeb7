"""Uploads are limited per user and per address; refused ones are counted apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from catalog import services
from catalog.models import Video
from catalog.tests.api_helpers import stored_files, upload
from config.tests.races import Gate
from conftest import FrozenClock

pytestmark = pytest.mark.django_db

HOME, OTHER = "203.0.113.9", "198.51.100.7"


@pytest.fixture(autouse=True)
def _limits(settings, limits_clock: FrozenClock) -> None:
    settings.RATE_UPLOADS = "2/h"
    settings.RATE_UPLOADS_REFUSED = "4/h"


def post_video(client: APIClient, *, address: str = HOME, valid: bool = True) -> Any:
    data = {"title": "Holiday", "file": upload()} if valid else {"title": "No file"}
    return client.post("/api/videos/", data, format="multipart", REMOTE_ADDR=address)


def post_page(client: Client, *, address: str = HOME, valid: bool = True) -> Any:
    data = {"title": "Holiday" if valid else "", "visibility": "public"}
    data["file"] = ContentFile(b"\x00" * 2048, name="clip.mp4")  # type: ignore[assignment]
    return client.post("/upload/", data, REMOTE_ADDR=address)


def assert_limited_api(response: Any, what: str, rate: str) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    expected = f"Too many {what} (the limit is {rate}). Try again in 60 minutes."
    assert response.json() == {"detail": expected}


def test_accepted_uploads_are_limited_per_user(
    alice_api: APIClient, limits_clock: FrozenClock
) -> None:
    assert post_video(alice_api).status_code == 201
    assert post_video(alice_api, address=OTHER).status_code == 201
    assert_limited_api(post_video(alice_api, address="192.0.2.1"), "uploads", "2 per hour")
    assert Video.objects.count() == 2
    assert alice_api.get("/api/videos/").status_code == 200  # reads are not limited
    limits_clock.advance(3600)
    assert post_video(alice_api).status_code == 201


def test_accepted_uploads_are_limited_per_address(alice_api: APIClient, other_user: User) -> None:
    bob = APIClient()
    bob.force_authenticate(other_user)
    assert post_video(alice_api).status_code == 201
    assert post_video(bob).status_code == 201
    assert post_video(bob).status_code == 429  # the same address
    assert post_video(bob, address=OTHER).status_code == 201


def test_refused_uploads_do_not_use_up_the_allowance(alice_api: APIClient) -> None:
    for _ in range(3):  # a fuzzer, a buggy script
        assert post_video(alice_api, valid=False).status_code == 400
    assert post_video(alice_api).status_code == 201
    assert post_video(alice_api).status_code == 201


def test_refused_uploads_have_their_own_limit(alice_api: APIClient) -> None:
    for _ in range(4):
        assert post_video(alice_api, valid=False).status_code == 400
    limited = post_video(alice_api)
    assert_limited_api(limited, "refused uploads", "4 per hour")
    assert not Video.objects.exists()


def test_the_upload_page_is_limited_too(alice: Client, media_root: Path) -> None:
    assert post_page(alice, valid=False).status_code == 200  # a form error, counted apart
    assert post_page(alice).status_code == 302
    assert post_page(alice).status_code == 302
    stored = stored_files(media_root)
    response = post_page(alice)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "Too many uploads (the limit is 2 per hour). Try again in 60 minutes." in html
    assert 'name="title"' in html  # the form, to try again later
    assert Video.objects.count() == 2 and stored_files(media_root) == stored


def test_the_page_and_the_api_share_the_count(alice: Client, alice_api: APIClient) -> None:
    assert post_page(alice).status_code == 302
    assert post_video(alice_api).status_code == 201
    assert post_page(alice).status_code == 429


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", ["api", "page"])
def test_uploads_sent_at_once_store_at_most_limit_videos(
    route: str, settings, user: User, monkeypatch, shared_cache: str
) -> None:
    """Twenty uploads at once against 5 an hour: five are stored, whatever the timing."""
    settings.RATE_UPLOADS = "5/h"
    settings.RATE_UPLOADS_REFUSED = "20/h"  # an upload in progress holds a place in both
    monkeypatch.setattr(services, "async_task", lambda *args, **kwargs: None)
    gate = Gate(20)
    gate.guard(monkeypatch, services, "video_create")
    signed_in = Client()
    signed_in.force_login(user)

    def send(n: int) -> Any:
        if route == "page":
            client = Client()
            client.cookies = signed_in.cookies
            return post_page(client)
        api = APIClient()
        api.force_authenticate(user)
        return post_video(api)

    stored = 302 if route == "page" else 201
    statuses = [response.status_code for response in gate.rush(send)]
    assert set(statuses) <= {stored, 429}
    assert statuses.count(stored) == gate.reached <= 5
    # Counted per user and per address, the burst may have been refused a little early (each
    # counter's first five need not be the same requests); what it did not use is still there.
    for _ in range(5 - gate.reached):
        assert send(0).status_code == stored
    assert send(0).status_code == 429
    assert Video.objects.count() == 5
