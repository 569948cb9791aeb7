"""Stored files (uploads, transcode outputs, subtitles) are not readable by every local user."""

from __future__ import annotations

import stat
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from catalog import services
from catalog.models import Video
from catalog.tests.conftest import run_transcode

pytestmark = pytest.mark.django_db


def modes(root: Path) -> dict[str, int]:
    return {
        path.relative_to(root).as_posix() + ("/" if path.is_dir() else ""): stat.S_IMODE(
            path.stat().st_mode
        )
        for path in root.rglob("*")
    }


def test_uploads_and_outputs_are_for_owner_and_group_only(
    alice_api: APIClient, clip: Path, media_root: Path, settings
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # through a temporary file, as large uploads go
    with clip.open("rb") as fh, mock.patch.object(services, "async_task"):
        response = alice_api.post(
            "/api/videos/", {"title": "Modes", "file": fh}, format="multipart"
        )
    assert response.status_code == 201, response.content
    video = run_transcode(Video.objects.get())
    assert video.status == Video.Status.READY, video.error
    vtt = SimpleUploadedFile("en.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")
    response = alice_api.post(
        f"/api/videos/{video.pk}/subtitles/", {"file": vtt, "language": "en"}, format="multipart"
    )
    assert response.status_code == 201, response.content

    stored = modes(media_root)
    names = set(stored)
    assert f"videos/{video.pk}/source/upload" in names
    assert any(name.endswith(".m4s") for name in names)  # segments
    assert any(name.endswith(".m3u8") for name in names)  # playlists
    assert any("/subtitles/" in name for name in names)
    expected = {name: "0o750" if name.endswith("/") else "0o640" for name in names}
    assert {name: oct(mode) for name, mode in stored.items()} == expected
