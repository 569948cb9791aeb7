"""The catalog's pages through Django's test client: visibility, forms, permissions, CSP."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import User
from catalog.models import Subtitle, TranscodeJob, Video
from catalog.templatetags.onair import duration

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)


def assert_csp_safe(response: Any) -> str:
    """Check the CSP header and that the page has no inline script, handler or style."""
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    html = response.content.decode()
    for attrs in SCRIPT_TAG.findall(html):
        assert "src=" in attrs or 'type="application/json"' in attrs, f"inline script: {attrs}"
    assert not HANDLER_ATTR.search(html), "inline event handler attribute"
    assert not STYLE_ATTR.search(html), "style attribute"
    return html


def make_video(owner: User, title: str = "A video", **fields: Any) -> Video:
    """Create a video row directly (the pages only read what transcoding wrote)."""
    defaults: dict[str, Any] = {
        "status": Video.Status.READY,
        "visibility": Video.Visibility.PUBLIC,
        "duration": 75.4,
        "progress": 100,
    }
    defaults.update(fields)
    video = Video.objects.create(owner=owner, title=title, **defaults)
    if video.status == Video.Status.READY and not video.hls_path:
        prefix = f"videos/{video.pk}/out/a1"
        video.hls_path = f"{prefix}/master.m3u8"
        video.poster_path = f"{prefix}/poster.jpg"
        video.sprite_vtt_path = f"{prefix}/sprite.vtt"
        video.save(update_fields=["hls_path", "poster_path", "sprite_vtt_path"])
    return video


@pytest.fixture
def alice(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def bob(other_user: User) -> Client:
    client = Client()
    client.force_login(other_user)
    return client


# ---------- catalog ----------


def test_catalog_lists_only_public_ready_videos(client: Client, user: User) -> None:
    make_video(user, "Shown public ready")
    make_video(user, "Hidden processing", status=Video.Status.PROCESSING, progress=40)
    make_video(user, "Hidden failed", status=Video.Status.FAILED, error="Not a video.")
    make_video(user, "Hidden unlisted", visibility=Video.Visibility.UNLISTED)
    make_video(user, "Hidden private", visibility=Video.Visibility.PRIVATE)

    response = client.get("/")

    assert response.status_code == 200
    html = assert_csp_safe(response)
    assert "Shown public ready" in html
    assert "Hidden" not in html
    assert "1:15" in html  # 75.4 s as m:ss
    assert "/poster.jpg" in html


def test_catalog_is_newest_first_and_paginated_by_twenty(client: Client, user: User) -> None:
    now = timezone.now()
    for n in range(25):
        video = make_video(user, f"Clip {n:02d}")
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
    make_video(user, "Mountain bike trail")
    make_video(user, "Cooking pasta", description="A quick mountain recipe")
    make_video(user, "City walk")
    make_video(user, "Private mountain", visibility=Video.Visibility.PRIVATE)

    html = client.get("/", {"q": "MOUNTAIN"}).content.decode()

    assert "Mountain bike trail" in html and "Cooking pasta" in html
    assert "City walk" not in html and "Private mountain" not in html
    assert 'value="MOUNTAIN"' in html
    assert "2 videos found" in html
    empty = client.get("/", {"q": "zebra"}).content.decode()
    assert "No videos match" in empty


def test_search_keeps_query_in_pagination_links(client: Client, user: User) -> None:
    for n in range(21):
        make_video(user, f"Match {n}")
    html = client.get("/", {"q": "match"}).content.decode()
    assert 'href="?q=match&amp;page=2"' in html


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (9.99, "0:09"), (75.4, "1:15"), (600, "10:00"), (3725, "1:02:05"), (None, "")],
)
def test_duration_format(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


# ---------- video page ----------


def test_ready_video_page_has_player_with_tracks(client: Client, user: User) -> None:
    video = make_video(user, "Player page", description="Line one\nLine two")
    Subtitle.objects.create(
        video=video, language="pt-BR", label="Português", file=f"videos/{video.pk}/subs/pt.vtt"
    )

    response = client.get(f"/videos/{video.pk}/")

    assert response.status_code == 200
    html = assert_csp_safe(response)
    assert f'src="/media/videos/{video.pk}/out/a1/master.m3u8"' in html
    assert '<track kind="metadata" label="thumbnails" default' in html
    assert 'kind="subtitles" srclang="pt-BR" label="Português"' in html
    assert "<media-captions-menu-button>" in html
    assert 'rates="0.5 0.75 1 1.25 1.5 2"' in html
    assert "<media-rendition-menu" in html and "<media-fullscreen-button>" in html
    assert "js/player.js" in html and "vendor/player-bundle.js" in html
    assert html.index("js/player.js") < html.index("vendor/player-bundle.js")
    assert "Line one<br>Line two" in html


def test_video_without_subtitles_has_no_captions_menu(client: Client, user: User) -> None:
    video = make_video(user)
    html = client.get(f"/videos/{video.pk}/").content.decode()
    assert "media-captions-menu" not in html
    assert 'kind="subtitles"' not in html


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_public_and_unlisted_videos_open_for_anyone(
    client: Client, user: User, visibility: str
) -> None:
    video = make_video(user, visibility=visibility)
    assert client.get(f"/videos/{video.pk}/").status_code == 200


def test_private_video_is_404_for_everyone_but_its_owner(
    client: Client, alice: Client, bob: Client, user: User
) -> None:
    video = make_video(user, "Secret", visibility=Video.Visibility.PRIVATE)
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
    video = make_video(user, "Cooking", status=Video.Status.PROCESSING, progress=42.4)

    html = assert_csp_safe(alice.get(f"/videos/{video.pk}/"))

    assert f'data-status-poll="/api/videos/{video.pk}/"' in html
    assert '<progress class="progress" max="100" value="42"' in html
    assert 'aria-live="polite"' in html
    assert "js/status-poll.js" in html
    assert "<hls-video" not in html and "player-bundle.js" not in html


def test_failed_video_page_shows_error_and_retry_for_owner(
    alice: Client, bob: Client, user: User
) -> None:
    video = make_video(user, status=Video.Status.FAILED, error="This file is not a video.")

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
    html = alice.post("/upload/", {"title": "Big", "visibility": "public", "file": upload})
    assert "the largest upload allowed is" in html.content.decode()
    assert not Video.objects.exists()


# ---------- my videos ----------


def test_my_videos_requires_sign_in(client: Client) -> None:
    response = client.get("/me/videos/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_videos_lists_only_my_uploads_with_state(
    alice: Client, user: User, other_user: User
) -> None:
    make_video(user, "Mine ready")
    processing = make_video(user, "Mine processing", status=Video.Status.PROCESSING, progress=12)
    failed = make_video(user, "Mine failed", status=Video.Status.FAILED, error="Too long.")
    make_video(user, "Mine private", visibility=Video.Visibility.PRIVATE)
    make_video(other_user, "Bob's video")

    response = alice.get("/me/videos/")

    assert response.status_code == 200
    html = assert_csp_safe(response)
    for title in ("Mine ready", "Mine processing", "Mine failed", "Mine private"):
        assert title in html
    assert "Bob" not in html
    assert f'data-status-poll="/api/videos/{processing.pk}/"' in html
    assert "Too long." in html
    assert f'action="/me/videos/{failed.pk}/retry/"' in html
    assert html.count("/retry/") == 1
    assert "js/status-poll.js" in html


# ---------- edit, delete, retry ----------


def test_owner_edits_title_description_visibility(alice: Client, user: User) -> None:
    video = make_video(user, "Old title")
    page = alice.get(f"/me/videos/{video.pk}/edit/")
    assert page.status_code == 200
    assert 'value="Old title"' in assert_csp_safe(page)

    response = alice.post(
        f"/me/videos/{video.pk}/edit/",
        {"title": "New title", "description": "Now described", "visibility": "private"},
    )

    assert response.status_code == 302 and response["Location"] == "/me/videos/"
    video.refresh_from_db()
    assert (video.title, video.description, video.visibility) == (
        "New title",
        "Now described",
        "private",
    )
    assert "Saved the changes" in alice.get("/me/videos/").content.decode()


def test_edit_rejects_bad_input_without_change(alice: Client, user: User) -> None:
    video = make_video(user, "Keep me")
    response = alice.post(f"/me/videos/{video.pk}/edit/", {"title": "", "visibility": "x"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    video.refresh_from_db()
    assert video.title == "Keep me" and video.visibility == "public"


def test_other_user_cannot_edit_delete_or_retry(bob: Client, user: User) -> None:
    video = make_video(user, "Alice's", status=Video.Status.FAILED, error="Broken.")
    base = f"/me/videos/{video.pk}"

    assert bob.get(f"{base}/edit/").status_code == 404
    assert bob.post(f"{base}/edit/", {"title": "Hacked", "visibility": "public"}).status_code == 404
    assert bob.get(f"{base}/delete/").status_code == 404
    assert bob.post(f"{base}/delete/").status_code == 404
    assert bob.post(f"{base}/retry/").status_code == 404

    video.refresh_from_db()
    assert video.title == "Alice's" and video.status == Video.Status.FAILED
    assert not TranscodeJob.objects.filter(video=video).exists()


def test_anonymous_cannot_change_videos(client: Client, user: User) -> None:
    video = make_video(user, "Alice's")
    for action in ("edit", "delete", "retry"):
        response = client.post(f"/me/videos/{video.pk}/{action}/", {"title": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Video.objects.get(pk=video.pk).title == "Alice's"


def test_delete_asks_then_deletes_video_and_files(
    alice: Client, user: User, django_capture_on_commit_callbacks: Any
) -> None:
    video = make_video(user, "Doomed")
    name = default_storage.save(f"videos/{video.pk}/out/a1/seg.m4s", ContentFile(b"x"))

    confirm = alice.get(f"/me/videos/{video.pk}/delete/")
    assert confirm.status_code == 200
    assert "Delete “Doomed”?" in assert_csp_safe(confirm)
    assert Video.objects.filter(pk=video.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(f"/me/videos/{video.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == "/me/videos/"
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not default_storage.exists(name)
    assert "Deleted “Doomed”." in alice.get("/me/videos/").content.decode()


def test_retry_requeues_a_failed_video(alice: Client, user: User) -> None:
    video = make_video(user, "Again", status=Video.Status.FAILED, error="ffmpeg died.")

    response = alice.post(f"/me/videos/{video.pk}/retry/")

    assert response.status_code == 302 and response["Location"] == "/me/videos/"
    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED and video.error is None
    assert TranscodeJob.objects.filter(video=video).count() == 1
    assert alice.get(f"/me/videos/{video.pk}/retry/").status_code == 405


def test_retry_of_a_ready_video_explains_and_changes_nothing(alice: Client, user: User) -> None:
    video = make_video(user, "Fine")

    response = alice.post(f"/me/videos/{video.pk}/retry/", follow=True)

    assert "Only a video whose processing failed can be retried." in response.content.decode()
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert not TranscodeJob.objects.filter(video=video).exists()


# ---------- layout ----------


def test_header_shows_account_state(client: Client, alice: Client) -> None:
    anonymous = Client().get("/").content.decode()
    assert "Sign in" in anonymous and "Sign up" in anonymous and "My videos" not in anonymous
    signed_in = alice.get("/").content.decode()
    assert "alice" in signed_in and "My videos" in signed_in
    assert re.search(r'<form method="post" action="/accounts/logout/"', signed_in)
    assert "/music/" not in signed_in and "/live/" not in signed_in
