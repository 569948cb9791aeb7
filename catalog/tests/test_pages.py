"""The catalog's pages through Django's test client: catalog, player page, upload, layout."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from accounts.models import User
from catalog.models import Subtitle, TranscodeJob, Video
from catalog.tests.page_helpers import add_video, assert_csp_safe

pytestmark = pytest.mark.django_db


# ---------- catalog ----------


def test_catalog_lists_only_public_ready_videos(client: Client, user: User) -> None:
    add_video(user, "Shown public ready")
    add_video(user, "Hidden processing", status=Video.Status.PROCESSING, progress=40)
    add_video(user, "Hidden failed", status=Video.Status.FAILED, error="Not a video.")
    add_video(user, "Hidden unlisted", visibility=Video.Visibility.UNLISTED)
    add_video(user, "Hidden private", visibility=Video.Visibility.PRIVATE)

    response = client.get("/")

    assert response.status_code == 200
    html = assert_csp_safe(response)
    assert "Shown public ready" in html
    assert "Hidden" not in html
    assert "1:15" in html and 'datetime="PT75S"' in html  # 75.4 s as m:ss and ISO 8601
    assert "/poster.jpg" in html


def test_catalog_is_newest_first_and_paginated_by_twenty(client: Client, user: User) -> None:
    now = timezone.now()
    for n in range(25):
        video = add_video(user, f"Clip {n:02d}")
        Video.objects.filter(pk=video.pk).update(created=now - timedelta(minutes=n))

    first = client.get("/").content.decode()
    second = client.get("/", {"page": 2}).content.decode()

    assert first.index("Clip 00") < first.index("Clip 01") < first.index("Clip 19")
    assert "Clip 20" not in first
    assert "Page 1 of 2" in first and 'rel="next" href="?page=2"' in first
    assert all(f"Clip {n:02d}" in second for n in range(20, 25))
    assert "Clip 19" not in second
    assert 'rel="prev" href="?page=1"' in second
    assert client.get("/", {"page": "nonsense"}).status_code == 200


def test_catalog_search_matches_title_and_description(client: Client, user: User) -> None:
    add_video(user, "Mountain bike trail")
    add_video(user, "Cooking pasta", description="A quick mountain recipe")
    add_video(user, "City walk")
    add_video(user, "Private mountain", visibility=Video.Visibility.PRIVATE)

    html = client.get("/", {"q": "MOUNTAIN"}).content.decode()

    assert "Mountain bike trail" in html and "Cooking pasta" in html
    assert "City walk" not in html and "Private mountain" not in html
    assert 'value="MOUNTAIN"' in html
    assert "2 videos found" in html
    empty = client.get("/", {"q": "zebra"}).content.decode()
    assert "No videos match" in empty


def test_search_keeps_query_in_pagination_links(client: Client, user: User) -> None:
    for n in range(21):
        add_video(user, f"Match {n}")
    html = client.get("/", {"q": "match"}).content.decode()
    assert 'href="?q=match&amp;page=2"' in html


# ---------- video page ----------


def test_ready_video_page_has_player_with_tracks(client: Client, user: User) -> None:
    video = add_video(user, "Player page", description="Line one\nLine two")
    Subtitle.objects.create(
        video=video, language="pt-BR", label="Português", file=f"videos/{video.pk}/subs/pt.vtt"
    )

    response = client.get(f"/videos/{video.pk}/")

    assert response.status_code == 200
    html = assert_csp_safe(response)
    assert f'src="/media/videos/{video.pk}/out/a1/master.m3u8"' in html
    assert '<track kind="metadata" label="thumbnails" default' in html
    assert 'kind="subtitles" srclang="pt-BR" label="Português"' in html
    assert '<media-captions-menu-button invoketarget="player-captions">' in html
    assert 'rates="0.5 0.75 1 1.25 1.5 2"' in html
    assert "<media-rendition-menu" in html and "<media-fullscreen-button>" in html
    assert "js/player.js" in html and "vendor/player-bundle.js" in html
    assert html.index("js/player.js") < html.index("vendor/player-bundle.js")
    assert "Line one<br>Line two" in html


def test_video_without_subtitles_has_no_captions_menu(client: Client, user: User) -> None:
    video = add_video(user)
    html = client.get(f"/videos/{video.pk}/").content.decode()
    assert "media-captions-menu" not in html
    assert 'kind="subtitles"' not in html


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_public_and_unlisted_videos_open_for_anyone(
    client: Client, user: User, visibility: str
) -> None:
    video = add_video(user, visibility=visibility)
    assert client.get(f"/videos/{video.pk}/").status_code == 200


def test_private_video_is_404_for_everyone_but_its_owner(
    client: Client, alice: Client, bob: Client, user: User
) -> None:
    video = add_video(user, "Secret", visibility=Video.Visibility.PRIVATE)
    assert Client().get(f"/videos/{video.pk}/").status_code == 404
    response = bob.get(f"/videos/{video.pk}/")
    assert response.status_code == 404
    assert "Secret" not in response.content.decode()
    assert alice.get(f"/videos/{video.pk}/").status_code == 200


def test_unknown_video_is_a_friendly_404(client: Client) -> None:
    response = client.get("/videos/doesnotexist/")
    assert response.status_code == 404
    assert "This page does not exist." in response.content.decode()


def test_processing_video_page_shows_live_progress(alice: Client, user: User) -> None:
    video = add_video(user, "Cooking", status=Video.Status.PROCESSING, progress=42.4)

    html = assert_csp_safe(alice.get(f"/videos/{video.pk}/"))

    assert f'data-status-poll="/api/videos/{video.pk}/"' in html
    assert '<progress class="progress" max="100" value="42"' in html
    assert 'aria-live="polite"' in html
    assert "js/status-poll.js" in html
    assert "<hls-video" not in html and "player-bundle.js" not in html


def test_failed_video_page_shows_error_and_retry_for_owner(
    alice: Client, bob: Client, user: User
) -> None:
    video = add_video(user, status=Video.Status.FAILED, error="This file is not a video.")

    html = alice.get(f"/videos/{video.pk}/").content.decode()
    assert "This file is not a video." in html
    assert f'action="/me/videos/{video.pk}/retry/"' in html
    assert "/retry/" not in bob.get(f"/videos/{video.pk}/").content.decode()


# ---------- upload ----------


def test_upload_page_requires_sign_in(client: Client) -> None:
    response = client.get("/upload/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/upload/"


def test_upload_page_posts_to_the_api_with_a_progress_bar(alice: Client) -> None:
    response = alice.get("/upload/")

    assert response.status_code == 200
    html = assert_csp_safe(response)
    assert 'data-api-url="/api/videos/"' in html
    assert 'data-video-url="/videos/__id__/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'enctype="multipart/form-data"' in html
    for name in ("title", "description", "visibility", "file"):
        assert f'name="{name}"' in html
    assert '<label for="id_file">' in html
    assert "data-upload-bar" in html and "js/upload.js" in html


def test_upload_form_without_script_creates_the_video(alice: Client, user: User) -> None:
    upload = ContentFile(b"\x00" * 2048, name="clip.mp4")
    response = alice.post(
        "/upload/",
        {"title": "No-script upload", "description": "", "visibility": "unlisted", "file": upload},
    )

    video = Video.objects.get(title="No-script upload")
    assert response.status_code == 302
    assert response["Location"] == f"/videos/{video.pk}/"
    assert video.owner == user and video.visibility == "unlisted"
    assert video.status == Video.Status.QUEUED
    assert TranscodeJob.objects.filter(video=video).exists()


def test_upload_form_shows_readable_errors(alice: Client, settings: Any) -> None:
    html = alice.post("/upload/", {"title": "", "visibility": "everyone"}).content.decode()
    assert "This field is required." in html
    assert "Select a valid choice." in html
    assert 'aria-invalid="true"' in html
    settings.UPLOAD_MAX_BYTES = 1000
    upload = ContentFile(b"\x00" * 2048, name="big.mp4")
    response = alice.post("/upload/", {"title": "Big", "visibility": "public", "file": upload})
    assert "the largest upload allowed is" in response.content.decode()
    assert not Video.objects.exists()


# ---------- layout ----------


def test_header_shows_account_state(client: Client, alice: Client) -> None:
    anonymous = Client().get("/").content.decode()
    assert "Sign in" in anonymous and "Sign up" in anonymous and "My videos" not in anonymous
    signed_in = alice.get("/").content.decode()
    assert "alice" in signed_in and "My videos" in signed_in
    assert re.search(r'<form method="post" action="/accounts/logout/"', signed_in)
    assert '<a href="/music/">Music</a>' in signed_in
    assert '<a href="/live/">Live</a>' in signed_in
