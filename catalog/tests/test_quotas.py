"""Per-user quotas: stored bytes and queued transcode minutes; refused with what and how much."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Rendition, Video
from catalog.selectors import ESTIMATE_BITS_PER_SECOND
from catalog.tests.api_helpers import make_video, stored_files, upload

pytestmark = pytest.mark.django_db

MINUTE_OF_VIDEO = ESTIMATE_BITS_PER_SECOND * 60 // 8  # bytes, until the length is known


def post_video(client: APIClient, size: int):
    data = {"title": "Holiday", "file": upload(data=b"x" * size)}
    return client.post("/api/videos/", data, format="multipart")


@pytest.fixture
def full_storage(settings, user: User) -> None:
    """Alice's videos hold 900 of her 1000 bytes: 600 of source, 300 of renditions."""
    settings.QUOTA_STORAGE_BYTES = 1000
    video = make_video(user, status=Video.Status.FAILED, source_size=600)
    Rendition.objects.create(video=video, bitrate=1, codecs="x", bytes=300, playlist_path="p")


def test_an_upload_over_the_storage_quota_is_refused(
    alice_api: APIClient, full_storage: None, media_root: Path
) -> None:
    response = post_video(alice_api, 101)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "This file (101 bytes) does not fit in your storage quota of 1000 bytes: "
        "your videos already hold 900 bytes. Delete some of them to make room."
    }
    assert Video.objects.count() == 1 and stored_files(media_root) == []
    assert post_video(alice_api, 100).status_code == 201  # exactly fills it


def test_the_upload_page_shows_the_storage_quota_as_a_form_error(
    alice: Client, full_storage: None, media_root: Path
) -> None:
    data = {"title": "Big", "visibility": "public", "file": ContentFile(b"x" * 200, name="a.mp4")}
    html = alice.post("/upload/", data).content.decode()
    assert "does not fit in your storage quota of 1000 bytes" in html
    assert "your videos already hold 900 bytes" in html
    assert Video.objects.count() == 1 and stored_files(media_root) == []


def test_deleting_a_video_makes_room(alice_api: APIClient, full_storage: None) -> None:
    assert post_video(alice_api, 500).status_code == 413
    assert alice_api.delete(f"/api/videos/{Video.objects.get().pk}/").status_code == 204
    assert post_video(alice_api, 500).status_code == 201


@pytest.fixture
def full_queue(settings, user: User, other_user: User) -> None:
    """Alice has 10 minutes of video waiting: 4 queued, 6 processing (her quota is 10)."""
    settings.QUOTA_QUEUED_MINUTES = 10
    make_video(user, status=Video.Status.QUEUED, source_size=4 * MINUTE_OF_VIDEO)
    make_video(user, status=Video.Status.PROCESSING, source_size=6 * MINUTE_OF_VIDEO)
    # Not waiting, or not hers: not counted.
    make_video(user, status=Video.Status.READY, duration=3600, source_size=60 * MINUTE_OF_VIDEO)
    make_video(other_user, status=Video.Status.QUEUED, source_size=60 * MINUTE_OF_VIDEO)


def test_an_upload_over_the_queue_quota_is_refused(
    alice_api: APIClient, full_queue: None, media_root: Path
) -> None:
    response = post_video(alice_api, 10)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json() == {
        "detail": "Your videos waiting to be processed add up to about 10 minutes, and the "
        "queue quota is 10 minutes. Upload this one once some of them are ready."
    }
    assert Video.objects.count() == 4 and stored_files(media_root) == []


def test_the_queue_quota_counts_known_lengths(
    alice_api: APIClient, full_queue: None, user: User
) -> None:
    Video.objects.filter(owner=user, status=Video.Status.PROCESSING).update(duration=5 * 60)
    assert post_video(alice_api, 10).status_code == 201  # 4 + 5 minutes: room left


def test_the_upload_page_shows_the_queue_quota_as_a_form_error(
    alice: Client, full_queue: None
) -> None:
    data = {"title": "One more", "visibility": "public", "file": ContentFile(b"x", name="a.mp4")}
    html = alice.post("/upload/", data).content.decode()
    assert "add up to about 10 minutes, and the queue quota is 10 minutes" in html


def test_a_refused_quota_counts_as_a_refused_upload(
    alice_api: APIClient, full_storage: None, settings
) -> None:
    settings.RATE_UPLOADS_REFUSED = "2/h"
    assert post_video(alice_api, 500).status_code == 413
    assert post_video(alice_api, 500).status_code == 413
    assert post_video(alice_api, 10).status_code == 429


def test_superusers_have_no_quota(full_storage: None, full_queue: None, user: User) -> None:
    user.is_superuser = True
    user.save()
    client = APIClient()
    client.force_authenticate(user)
    assert post_video(client, 500).status_code == 201


def test_zero_turns_a_quota_off(alice_api: APIClient, full_storage: None, settings) -> None:
    settings.QUOTA_STORAGE_BYTES = 0
    assert post_video(alice_api, 500).status_code == 201
