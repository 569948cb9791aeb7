"""Managing one's own videos through the pages: my videos, edit, delete, retry."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from accounts.models import User
from catalog.models import TranscodeJob, Video
from catalog.tests.page_helpers import add_video, assert_csp_safe

pytestmark = pytest.mark.django_db


# ---------- my videos ----------


def test_my_videos_requires_sign_in(client: Client) -> None:
    response = client.get("/me/videos/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_videos_lists_only_my_uploads_with_state(
    alice: Client, user: User, other_user: User
) -> None:
    add_video(user, "Mine ready")
    processing = add_video(user, "Mine processing", status=Video.Status.PROCESSING, progress=12)
    failed = add_video(user, "Mine failed", status=Video.Status.FAILED, error="Too long.")
    add_video(user, "Mine private", visibility=Video.Visibility.PRIVATE)
    add_video(other_user, "Bob's video")

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
    video = add_video(user, "Old title")
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
    video = add_video(user, "Keep me")
    response = alice.post(f"/me/videos/{video.pk}/edit/", {"title": "", "visibility": "x"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    video.refresh_from_db()
    assert video.title == "Keep me" and video.visibility == "public"


def test_edit_holds_the_models_length_limits(alice: Client, user: User) -> None:
    video = add_video(user, "Keep me")
    url = f"/me/videos/{video.pk}/edit/"
    too_long = alice.post(
        url, {"title": "t" * 201, "description": "d" * 5001, "visibility": "public"}
    )
    html = too_long.content.decode()
    assert too_long.status_code == 200
    assert "at most 200 characters (it has 201)" in html
    assert "at most 5000 characters (it has 5001)" in html
    video.refresh_from_db()
    assert video.title == "Keep me"

    fits = alice.post(url, {"title": "t" * 200, "description": "d" * 5000, "visibility": "public"})
    assert fits.status_code == 302
    video.refresh_from_db()
    assert (len(video.title), len(video.description)) == (200, 5000)


def test_other_user_cannot_edit_delete_or_retry(bob: Client, user: User) -> None:
    video = add_video(user, "Alice's", status=Video.Status.FAILED, error="Broken.")
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
    video = add_video(user, "Alice's")
    for action in ("edit", "delete", "retry"):
        response = client.post(f"/me/videos/{video.pk}/{action}/", {"title": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Video.objects.get(pk=video.pk).title == "Alice's"


def test_delete_asks_then_deletes_video_and_files(
    alice: Client, user: User, django_capture_on_commit_callbacks: Any
) -> None:
    video = add_video(user, "Doomed")
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
    video = add_video(user, "Again", status=Video.Status.FAILED, error="ffmpeg died.")

    response = alice.post(f"/me/videos/{video.pk}/retry/")

    assert response.status_code == 302 and response["Location"] == "/me/videos/"
    video.refresh_from_db()
    assert video.status == Video.Status.QUEUED and video.error is None
    assert TranscodeJob.objects.filter(video=video).count() == 1
    assert alice.get(f"/me/videos/{video.pk}/retry/").status_code == 405


def test_retry_of_a_ready_video_explains_and_changes_nothing(alice: Client, user: User) -> None:
    video = add_video(user, "Fine")

    response = alice.post(f"/me/videos/{video.pk}/retry/", follow=True)

    assert "Only a video whose processing failed can be retried." in response.content.decode()
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    assert not TranscodeJob.objects.filter(video=video).exists()
