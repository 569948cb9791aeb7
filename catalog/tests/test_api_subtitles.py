"""Subtitle uploads through the API: WebVTT and SRT in, WebVTT out, one file a language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Subtitle, Video
from catalog.tests.api_helpers import make_video, stored_files

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n"
SRT = b"1\r\n00:00:01,000 --> 00:00:02,500\r\nOl\xc3\xa1\r\n"


@pytest.fixture
def video(user: User) -> Video:
    return make_video(user, "With subtitles")


def post_subtitle(client: APIClient, video: Video, data: bytes, **fields: str):
    # The name says .txt on purpose: the format is read from the content.
    payload = {"file": SimpleUploadedFile("subs.txt", data), "language": "en", **fields}
    return client.post(f"/api/videos/{video.pk}/subtitles/", payload, format="multipart")


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def test_webvtt_upload(alice_api: APIClient, video: Video) -> None:
    response = post_subtitle(alice_api, video, VTT)
    assert response.status_code == 201, response.content
    body = response.json()
    subtitle = Subtitle.objects.get(video=video)
    assert body == {"language": "en", "label": "English", "url": f"/media/{subtitle.file.name}"}
    assert body["url"].startswith(f"/media/videos/{video.pk}/subtitles/en-")
    assert body["url"].endswith(".vtt")
    assert read(subtitle.file.name) == VTT


def test_srt_upload_is_converted(alice_api: APIClient, video: Video) -> None:
    response = post_subtitle(alice_api, video, SRT, language="pt-br", label="Português")
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "pt-BR"
    assert response.json()["label"] == "Português"
    subtitle = Subtitle.objects.get(video=video)
    assert read(subtitle.file.name).decode() == ("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nOlá\n")


def test_subtitles_appear_on_the_video(api: APIClient, alice_api: APIClient, video: Video) -> None:
    post_subtitle(alice_api, video, VTT, language="fr")
    post_subtitle(alice_api, video, SRT, language="en")
    body = api.get(f"/api/videos/{video.pk}/").json()
    assert [(s["language"], s["label"]) for s in body["subtitles"]] == [
        ("en", "English"),
        ("fr", "français"),
    ]
    assert all(s["url"].startswith("/media/") for s in body["subtitles"])


def test_a_second_file_replaces_the_first_and_its_file_is_deleted(
    alice_api: APIClient, video: Video, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = post_subtitle(alice_api, video, VTT).json()["url"]
        second = post_subtitle(alice_api, video, SRT, language="EN", label="Mine").json()
    assert second["url"] != first  # a new name, so caches never serve the old cues
    assert Subtitle.objects.filter(video=video).count() == 1
    subtitle = Subtitle.objects.get(video=video)
    assert (subtitle.language, subtitle.label) == ("en", "Mine")
    assert [name for name in stored_files(media_root) if "/subtitles/" in name] == [
        subtitle.file.name
    ]


@pytest.mark.parametrize(
    ("fields", "data", "field", "message"),
    [
        ({}, b"", "file", "The subtitle file is empty."),
        ({}, b"Just some notes\n", "file", "neither a WebVTT file"),
        ({}, b"WEBVTT\n\n00:05.000 --> 00:01.000\nx\n", "file", "Line 3: the cue must end"),
        ({}, b"WEBVTT\n\n", "file", "The subtitle file has no cues."),
        ({}, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file", "not a text file"),
        ({"language": "english"}, VTT, "language", "is not a language tag"),
        ({"language": "../../x"}, VTT, "language", "is not a language tag"),
        ({"language": ""}, VTT, "language", "This field may not be blank."),
        ({"label": "L" * 101}, VTT, "label", "no more than 100 characters"),
        pytest.param(
            {},
            b"WEBVTT\n\n" + b"9" * 5000 + b":00:00.000 --> 00:00:01.000\nx\n",
            "file",
            "is not a valid timing line",  # not a 500: int() refuses over 4 300 digits
            id="5000-digit-hours",
        ),
    ],
)
def test_bad_subtitles_are_refused(
    alice_api: APIClient,
    video: Video,
    media_root: Path,
    fields: dict,
    data: bytes,
    field: str,
    message: str,
) -> None:
    response = post_subtitle(alice_api, video, data, **fields)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Subtitle.objects.exists()
    assert [name for name in stored_files(media_root) if "/subtitles/" in name] == []


def test_missing_file_and_language(alice_api: APIClient, video: Video) -> None:
    response = alice_api.post(f"/api/videos/{video.pk}/subtitles/", {}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "file": ["Choose a WebVTT (.vtt) or SRT (.srt) file."],
        "language": ["This field is required."],
    }


def test_oversized_subtitle_is_refused(alice_api: APIClient, video: Video, settings) -> None:
    settings.SUBTITLE_MAX_BYTES = 1024
    response = post_subtitle(alice_api, video, VTT + b"\n00:03.000 --> 00:04.000\nxx\n" * 100)
    assert response.status_code == 400
    assert response.json()["file"] == [
        f"The file is {response.wsgi_request.FILES['file'].size / 1024:.1f} KB; "
        "subtitle files may be up to 1.0 KB."
    ]
    assert not Subtitle.objects.exists()


def test_delete_a_subtitle(
    alice_api: APIClient, video: Video, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    post_subtitle(alice_api, video, VTT, language="pt-BR")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.delete(f"/api/videos/{video.pk}/subtitles/pt-br/")
    assert response.status_code == 204
    assert not Subtitle.objects.exists()
    assert [name for name in stored_files(media_root) if "/subtitles/" in name] == []
    missing = alice_api.delete(f"/api/videos/{video.pk}/subtitles/pt-br/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "This video has no subtitles in that language."}
