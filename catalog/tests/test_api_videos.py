"""The video API: lists, details, edits, deletes, retries, and one real clip end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import m3u8
import pytest
from django.http import StreamingHttpResponse
from rest_framework.test import APIClient

from accounts.models import User
from catalog import tasks
from catalog.models import TranscodeJob, Video
from catalog.tests.api_helpers import make_video, stored_files, upload

pytestmark = pytest.mark.django_db

VIDEO_FIELDS = {
    "id", "title", "description", "visibility", "owner", "created", "status", "progress",
    "error", "duration", "hls_url", "poster_url", "renditions", "subtitles",
}  # fmt: skip


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
    assert api.get("/api/videos/?search=surf%00").json()["count"] == 2  # no NUL reaches SQL


# --- detail ----------------------------------------------------------------------------


def test_detail_of_a_ready_video(api: APIClient, user: User) -> None:
    video = make_video(user, "Ready", duration=2.04)
    body = api.get(f"/api/videos/{video.pk}/").json()
    assert set(body) >= VIDEO_FIELDS
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


@pytest.mark.parametrize("video_id", ["doesnotexist", "bad$id", "x" * 300, "%00"])
def test_unknown_id_is_404_with_a_message(api: APIClient, video_id: str) -> None:
    response = api.get(f"/api/videos/{video_id}/")
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
        # Taken as the schema says, not as DRF would bend it:
        ({"titel": "New"}, "Unknown field: titel. Send title, description, visibility."),
        ({"title": 5}, "Must be a string."),
        ({"visibility": True}, "Must be a string."),
        ({"title": "   "}, "This field may not be blank."),
        ({"title": " " * 198 + "New"}, "Ensure this field has no more than 200 characters."),
    ],
)
def test_bad_edits_are_refused(alice_api: APIClient, user: User, data: dict, message: str) -> None:
    video = make_video(user, "Old")
    response = alice_api.patch(f"/api/videos/{video.pk}/", data, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    video.refresh_from_db()
    assert video.title == "Old"


@pytest.mark.parametrize(
    ("field", "message"),
    [("title", "This field may not be blank."), ("visibility", "Choose one of: public")],
)
def test_an_empty_form_field_is_refused_not_ignored(
    alice_api: APIClient, user: User, field: str, message: str
) -> None:
    video = make_video(user, "Old")
    data = {"description": "New", field: ""}
    response = alice_api.patch(f"/api/videos/{video.pk}/", data, format="multipart")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    video.refresh_from_db()
    assert (video.title, video.description) == ("Old", "")


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


# --- the whole way: upload a clip, transcode it, play it over HTTP ----------------------


def fetch(client: APIClient, url: str, **headers: str) -> tuple[Any, bytes]:
    response = client.get(url, headers=headers)
    if isinstance(response, StreamingHttpResponse):
        return response, b"".join(response.streaming_content)
    return response, response.content


@pytest.mark.media
def test_an_uploaded_clip_becomes_a_playable_hls_stream(
    api: APIClient, user: User, clip: Path
) -> None:
    token = api.post(
        "/api/auth/token/", {"username": "alice", "password": "a-long-passphrase"}
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with mock.patch("catalog.services.async_task"):  # the test runs the task itself
        created = api.post(
            "/api/videos/",
            {"title": "Clip", "file": upload("clip.mp4", clip.read_bytes())},
            format="multipart",
        )
    assert created.status_code == 201, created.content
    video_id = created.json()["id"]
    tasks.transcode(TranscodeJob.objects.get(video_id=video_id).pk)

    body = api.get(f"/api/videos/{video_id}/").json()
    assert (body["status"], body["progress"], body["error"]) == ("ready", 100, None), body
    assert body["duration"] == pytest.approx(2.0, abs=0.2)
    assert [r["height"] for r in body["renditions"]] == [360, 240]
    assert all(r["bitrate"] > 0 and r["codecs"] for r in body["renditions"])
    assert body["hls_url"].startswith("/media/") and body["poster_url"].startswith("/media/")

    response, text = fetch(api, body["hls_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Cache-Control"] == "public, max-age=2"
    master = m3u8.loads(text.decode(), uri=f"http://testserver{body['hls_url']}")
    assert master.is_variant
    assert sorted(p.stream_info.resolution[1] for p in master.playlists) == [240, 360]
    assert all(p.stream_info.bandwidth and p.stream_info.codecs for p in master.playlists)

    rung = urlsplit(master.playlists[0].absolute_uri).path
    response, text = fetch(api, rung)
    assert response.status_code == 200
    playlist = m3u8.loads(text.decode(), uri=f"http://testserver{rung}")
    assert playlist.segments
    segment = urlsplit(playlist.segments[0].absolute_uri).path
    response, data = fetch(api, segment, Range="bytes=0-99")
    assert response.status_code == 206
    assert len(data) == 100 and response["Content-Range"].startswith("bytes 0-99/")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Accept-Ranges"] == "bytes"

    response, data = fetch(api, body["poster_url"])
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert data.startswith(b"\xff\xd8")
    response, data = fetch(api, body["thumbnails_url"])
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert data.startswith(b"WEBVTT") and b"#xywh=" in data
