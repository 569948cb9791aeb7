"""Uploads through the API: good, bad, hostile and too big; nothing left behind."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import TranscodeJob, Video
from catalog.tests.api_helpers import make_video, stored_files, upload

pytestmark = pytest.mark.django_db

VIDEO_FIELDS = {
    "id", "title", "description", "visibility", "owner", "created", "status", "progress",
    "error", "duration", "hls_url", "poster_url", "renditions", "subtitles",
}  # fmt: skip


def post_video(client: APIClient, **data: object):
    payload = {"title": "Holiday", "file": upload(), **data}
    return client.post("/api/videos/", payload, format="multipart")


# --- upload ----------------------------------------------------------------------------


def test_upload_creates_a_queued_video_and_enqueues_its_transcode(
    alice_api: APIClient, user: User, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    with (
        mock.patch("catalog.services.async_task") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_video(alice_api, description="Sea and sun", visibility="unlisted")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= VIDEO_FIELDS
    assert body["title"] == "Holiday"
    assert body["description"] == "Sea and sun"
    assert body["visibility"] == "unlisted"
    assert body["owner"] == "alice"
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["error"] is None
    assert body["hls_url"] is None and body["poster_url"] is None
    assert body["renditions"] == [] and body["subtitles"] == []
    assert response["Location"] == f"/api/videos/{body['id']}/"
    video = Video.objects.get(pk=body["id"])
    job = TranscodeJob.objects.get(video=video)
    enqueue.assert_called_once_with("catalog.tasks.transcode", job.pk, group="transcode")
    assert stored_files(media_root) == [f"videos/{video.pk}/source/upload"]


def test_upload_defaults_to_public_and_ignores_a_hostile_file_name(
    alice_api: APIClient, media_root: Path
) -> None:
    response = alice_api.post(
        "/api/videos/",
        {"title": "x", "file": upload("../../../etc/passwd")},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["visibility"] == "public"
    assert stored_files(media_root) == [f"videos/{response.json()['id']}/source/upload"]


def test_upload_with_a_token(api: APIClient, user: User) -> None:
    token = api.post(
        "/api/auth/token/", {"username": "alice", "password": "a-long-passphrase"}
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = post_video(api)
    assert response.status_code == 201
    assert Video.objects.get().owner == user


def test_session_upload_needs_the_csrf_token(user: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="alice", password="a-long-passphrase")
    response = post_video(client)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Video.objects.exists()


def test_anonymous_upload_is_refused(api: APIClient, media_root: Path) -> None:
    response = post_video(api)
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": None}, "title", "This field is required."),
        ({"title": "   "}, "title", "This field may not be blank."),
        ({"title": "t" * 201}, "title", "no more than 200 characters"),
        ({"title": "bad\x00title"}, "title", "Null characters are not allowed."),
        ({"description": "d" * 5001}, "description", "no more than 5000 characters"),
        ({"visibility": "secret"}, "visibility", "Choose one of: public, unlisted, private."),
        ({"file": None}, "file", "Choose a video or audio file to upload."),
        ({"file": upload(data=b"")}, "file", "The file is empty (0 bytes)"),
        ({"file": "just a string"}, "file", "The submitted data was not a file."),
    ],
)
def test_bad_uploads_are_refused_with_field_errors(
    alice_api: APIClient, media_root: Path, data: dict, field: str, message: str
) -> None:
    payload = {"title": "Holiday", "file": upload(), **data}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = alice_api.post("/api/videos/", payload, format="multipart")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_json_body_without_a_file_is_refused(alice_api: APIClient) -> None:
    response = alice_api.post("/api/videos/", {"title": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"file": ["Choose a video or audio file to upload."]}


def test_malformed_json_is_refused_clearly(alice_api: APIClient, user: User) -> None:
    video = make_video(user, "Old")
    response = alice_api.generic(
        "PATCH", f"/api/videos/{video.pk}/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_oversized_form_fields_are_refused_in_json(alice_api: APIClient) -> None:
    response = post_video(alice_api, description="d" * 3 * 1024 * 1024)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The form fields other than the file may hold 2.5 MB in all."
    }
    many = {f"field{i}": "x" for i in range(1100)}
    response = post_video(alice_api, **many)
    assert response.status_code == 400
    assert response.json() == {"detail": "The form has too many fields or files."}
    assert not Video.objects.exists()


def test_broken_multipart_and_unknown_types(alice_api: APIClient) -> None:
    broken = alice_api.generic(
        "POST", "/api/videos/", "--zz\r\nbroken", content_type="multipart/form-data"
    )
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("Multipart form parse error")
    xml = alice_api.generic("POST", "/api/videos/", "<x/>", content_type="application/xml")
    assert xml.status_code == 415
    assert xml.json() == {"detail": 'Unsupported media type "application/xml" in request.'}


def test_upload_over_the_limit_is_413_and_leaves_nothing(
    alice_api: APIClient, settings, media_root: Path
) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    response = post_video(alice_api, file=upload(data=b"x" * 101))
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The file is 101 bytes; the largest upload allowed is 100 bytes."
    }
    assert not Video.objects.exists() and not TranscodeJob.objects.exists()
    assert stored_files(media_root) == []


def test_upload_at_the_limit_is_accepted(alice_api: APIClient, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    assert post_video(alice_api, file=upload(data=b"x" * 100)).status_code == 201
