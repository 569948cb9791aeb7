"""Deleting from the admin goes through the services, so files go with the rows."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from accounts.models import User
from catalog.models import Video
from catalog.storage import walk
from catalog.tests.page_helpers import add_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-long-2"))
    return client


def video_with_files(owner: User, title: str) -> Video:
    video = add_video(owner, title)
    for name in (video.hls_path, video.poster_path, f"videos/{video.pk}/source/upload"):
        default_storage.save(name, ContentFile(b"data"))
    return video


def files_of(video: Video) -> list[str]:
    return list(walk(f"videos/{video.pk}"))


def test_deleting_one_video_removes_its_files(
    admin_client: Client, user: User, django_capture_on_commit_callbacks
) -> None:
    video, kept = video_with_files(user, "Gone"), video_with_files(user, "Kept")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/catalog/video/{video.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Video.objects.filter(pk=video.pk).exists() and files_of(video) == []
    assert len(files_of(kept)) == 3


def test_bulk_delete_action_removes_files(
    admin_client: Client, user: User, django_capture_on_commit_callbacks
) -> None:
    videos = [video_with_files(user, f"Video {i}") for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/catalog/video/",
            {
                "action": "delete_selected",
                "_selected_action": [v.pk for v in videos],
                "post": "yes",
            },
        )
    assert not Video.objects.exists()
    assert all(files_of(video) == [] for video in videos)


def test_deleting_a_user_removes_their_videos_files(
    admin_client: Client, user: User, other_user: User, django_capture_on_commit_callbacks
) -> None:
    theirs, others = video_with_files(user, "Theirs"), video_with_files(other_user, "Others")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert not User.objects.filter(pk=user.pk).exists()
    assert files_of(theirs) == [] and len(files_of(others)) == 3


def test_subtitles_are_read_only_in_the_admin(admin_client: Client, user: User) -> None:
    video = add_video(user, "With subtitles")
    page = admin_client.get(f"/admin/catalog/video/{video.pk}/change/")
    assert page.status_code == 200
    assert b"subtitles-__prefix__" not in page.content  # no empty form to add one
