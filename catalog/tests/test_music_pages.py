"""The music upload page, and the size guard shared by the track API and the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Track, TranscodeJob, Video
from catalog.tests.api_helpers import make_video, stored_files
from catalog.tests.page_helpers import assert_csp_safe

pytestmark = pytest.mark.django_db


def test_music_upload_page_requires_sign_in(client: Client) -> None:
    response = client.get("/music/upload/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/music/upload/"


def test_music_upload_page_posts_to_the_track_api(alice: Client) -> None:
    response = alice.get("/music/upload/")
    assert response.status_code == 200
    html = assert_csp_safe(response)
    assert 'data-api-url="/api/tracks/"' in html and "js/upload.js" in html
    for name in ("file", "title", "artist", "album", "visibility"):
        assert f'name="{name}"' in html
    title = re.search(r'<input[^>]*name="title"[^>]*>', html)
    assert title and "required" not in title.group(0)  # optional: the file's tags fill it


def test_music_upload_without_script_creates_a_track(alice: Client, user: User) -> None:
    song = ContentFile(b"\x00" * 2048, name="My_Song.mp3")
    response = alice.post("/music/upload/", {"file": song, "artist": "Me", "visibility": "public"})
    video = Video.objects.get(kind=Video.Kind.TRACK)
    assert response.status_code == 302 and response["Location"] == f"/videos/{video.pk}/"
    assert video.title == "My Song" and video.owner == user
    assert Track.objects.get(video=video).artist == "Me"
    assert TranscodeJob.objects.filter(video=video, status="queued").exists()


def test_music_upload_page_refuses_too_large_files_and_keeps_nothing(
    alice: Client, settings, media_root: Path
) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    song = ContentFile(b"\x00" * 2048, name="big.mp3")
    response = alice.post("/music/upload/", {"file": song, "visibility": "public"})
    assert "the largest upload allowed is" in response.content.decode()
    assert not Video.objects.exists() and stored_files(media_root) == []


def test_track_api_refuses_too_large_files_with_413(
    alice_api: APIClient, settings, media_root: Path
) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    song = SimpleUploadedFile("big.mp3", b"x" * 101, content_type="audio/mpeg")
    response = alice_api.post("/api/tracks/", {"file": song}, format="multipart")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The file is 101 bytes; the largest upload allowed is 100 bytes."
    }
    assert not Video.objects.exists() and stored_files(media_root) == []


def test_the_admin_shows_a_tracks_tempo_and_loudness(client: Client, user: User) -> None:
    video = make_video(user, "Admin track", kind=Video.Kind.TRACK)
    Track.objects.create(video=video, artist="Pacer", bpm=86.5, bpm_confidence=0.9, loudness=-9.1)
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-long-2"))
    html = client.get(f"/admin/catalog/video/{video.pk}/change/").content.decode()
    assert "Pacer" in html and "86.5" in html and "-9.1" in html
