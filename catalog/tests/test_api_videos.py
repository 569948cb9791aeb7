"""The video API: uploads (good, bad, hostile, too big), lists, details, edits, retry."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from catalog.api.views import UploadThrottle
from catalog.models import TranscodeJob, Video
from catalog.tests.api_helpers import make_video, stored_files, upload

pytestmark = pytest.mark.django_db

VIDEO_FIELDS = {
    "id", "title", "description", "visibility", "owner", "created", "status", "progress",
    "error", "duration", "hls_url", "poster_url", "renditions", "subtitles",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    cache.clear()


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
    assert VIDEO_FIELDS <= set(body)
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


def test_uploads_are_throttled_per_user(alice_api: APIClient, monkeypatch) -> None:
    monkeypatch.setattr(UploadThrottle, "THROTTLE_RATES", {"uploads": "2/hour"})
    assert post_video(alice_api).status_code == 201
    assert post_video(alice_api).status_code == 201
    response = post_video(alice_api)
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"]
    assert alice_api.get("/api/videos/").status_code == 200  # reads are not throttled


# --- list ------------------------------------------------------------------------------


def test_list_shows_public_ready_videos_and_my_own(
    alice_api: APIClient, user: User, other_user: User
) -> None:
    public = make_video(other_user, "theirs public")
    make_video(other_user, "theirs unlisted", visibility="unlisted")
    make_video(other_user, "theirs private", visibility="private")
    make_video(other_user, "theirs processing", status="processing")
    mine = {
        make_video(user, "my private", visibility="private").pk,
        make_video(user, "my failed", status="failed", error="Broken file.").pk,
        make_video(user, "my queued", status="queued", visibility="unlisted").pk,
    }
    ids = {item["id"] for item in alice_api.get("/api/videos/").json()["results"]}
    assert ids == mine | {public.pk}


def test_anonymous_list_shows_only_public_ready(api: APIClient, user: User) -> None:
    public = make_video(user, "public")
    make_video(user, "unlisted", visibility="unlisted")
    make_video(user, "queued", status="queued")
    body = api.get("/api/videos/").json()
    assert [item["id"] for item in body["results"]] == [public.pk]


def test_list_is_paginated_twenty_a_page_newest_first(api: APIClient, user: User) -> None:
    videos = [make_video(user, f"video {i}") for i in range(21)]
    first = api.get("/api/videos/").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 21
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["results"][0]["title"] == "video 20"
    assert first["next"].endswith("/api/videos/?page=2")
    second = api.get("/api/videos/?page=2").json()
    assert [item["id"] for item in second["results"]] == [videos[0].pk]
    assert second["next"] is None
    assert api.get("/api/videos/?page=3").status_code == 404


def test_search_matches_title_and_description(api: APIClient, user: User) -> None:
    by_title = make_video(user, "Surfing in Lisbon")
    by_text = make_video(user, "Untitled", description="waves and SURF boards")
    make_video(user, "Mountains")
    found = api.get("/api/videos/", {"search": "surf"}).json()["results"]
    assert {item["id"] for item in found} == {by_title.pk, by_text.pk}
    assert api.get("/api/videos/", {"search": "%' OR 1=1 --"}).json()["count"] == 0


# --- detail ----------------------------------------------------------------------------


def test_detail_of_a_ready_video(api: APIClient, user: User) -> None:
    video = make_video(user, "Ready", duration=2.04)
    body = api.get(f"/api/videos/{video.pk}/").json()
    prefix = f"/media/videos/{video.pk}/out/a1"
    assert body["status"] == "ready" and body["progress"] == 100
    assert body["duration"] == 2.04
    assert body["hls_url"] == f"{prefix}/master.m3u8"
    assert body["poster_url"] == f"{prefix}/poster.jpg"
    assert body["thumbnails_url"] == f"{prefix}/sprite.vtt"
    assert body["renditions"] == [
        {"height": 360, "width": 640, "bitrate": 900_000, "codecs": "avc1.64001e,mp4a.40.2"},
        {"height": 240, "width": 426, "bitrate": 500_000, "codecs": "avc1.64001e,mp4a.40.2"},
    ]
    assert body["created"].endswith("Z")


def test_detail_of_a_processing_and_a_failed_video(alice_api: APIClient, user: User) -> None:
    busy = make_video(user, status="processing", progress=42.345)
    body = alice_api.get(f"/api/videos/{busy.pk}/").json()
    assert (body["status"], body["progress"], body["error"]) == ("processing", 42.3, None)
    assert body["hls_url"] is None
    failed = make_video(user, status="failed", error="This file is not a video.")
    body = alice_api.get(f"/api/videos/{failed.pk}/").json()
    assert (body["status"], body["error"]) == ("failed", "This file is not a video.")


def test_unknown_id_is_404_with_a_message(api: APIClient) -> None:
    response = api.get("/api/videos/doesnotexist/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such video."}


# --- edit, delete, retry ---------------------------------------------------------------


def test_owner_edits_a_video(alice_api: APIClient, user: User) -> None:
    video = make_video(user, "Old")
    response = alice_api.patch(
        f"/api/videos/{video.pk}/", {"title": "New", "visibility": "private"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["visibility"]) == ("New", "private")
    video.refresh_from_db()
    assert (video.title, video.visibility) == ("New", "private")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"visibility": "everyone"}, "Choose one of: public, unlisted, private."),
        ({"title": ""}, "This field may not be blank."),
        ({}, "Send at least one of: title, description, visibility."),
    ],
)
def test_bad_edits_are_refused(alice_api: APIClient, user: User, data: dict, message: str) -> None:
    video = make_video(user, "Old")
    response = alice_api.patch(f"/api/videos/{video.pk}/", data, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    video.refresh_from_db()
    assert video.title == "Old"


def test_put_is_not_offered(alice_api: APIClient, user: User) -> None:
    video = make_video(user)
    assert alice_api.put(f"/api/videos/{video.pk}/", {"title": "x"}).status_code == 405


def test_owner_deletes_a_video_and_its_files(
    alice_api: APIClient, user: User, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    video = make_video(user, files=True)
    assert stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.delete(f"/api/videos/{video.pk}/")
    assert response.status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert stored_files(media_root) == []


def test_retry_a_failed_video(
    alice_api: APIClient, user: User, django_capture_on_commit_callbacks
) -> None:
    video = make_video(user, status="failed", error="ffmpeg died.")
    with (
        mock.patch("catalog.services.async_task") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = alice_api.post(f"/api/videos/{video.pk}/retry/")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["error"]) == ("queued", None)
    job = TranscodeJob.objects.get(video=video)
    enqueue.assert_called_once_with("catalog.tasks.transcode", job.pk, group="transcode")


@pytest.mark.parametrize("state", ["ready", "queued", "processing"])
def test_retry_of_a_video_that_has_not_failed_is_409(
    alice_api: APIClient, user: User, state: str
) -> None:
    video = make_video(user, status=state)
    response = alice_api.post(f"/api/videos/{video.pk}/retry/")
    assert response.status_code == 409
    assert response.json() == {"detail": "Only a video whose processing failed can be retried."}
    assert not TranscodeJob.objects.exists()


# --- schema and docs -------------------------------------------------------------------


def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s"))
    assert "/api/videos/{id}/subtitles/" in (tmp_path / "s").read_text()


def test_schema_endpoint(api: APIClient) -> None:
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/videos/" in response.content and b"/api/auth/token/" in response.content


def test_docs_use_local_assets(api: APIClient) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


@pytest.mark.xfail(
    strict=True,
    reason="needs config/urls.py to serve /api/docs/ with SpectacularSwaggerSplitView",
)
def test_docs_have_no_inline_script_so_the_csp_holds(api: APIClient) -> None:
    page = api.get("/api/docs/").content.decode()
    assert "<script>" not in page
    script = page.split('<script src="')[-1].split('"')[0].replace("&amp;", "&")
    response = api.get(script)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()
