"""Writes of the catalog: create, update, delete, retry, subtitles; no partial leftovers."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError

from accounts.models import User
from catalog import services
from catalog.errors import InvalidSubtitle, NotRetryable, UploadTooLarge
from catalog.models import Subtitle, TranscodeJob, Video
from catalog.tests.api_helpers import make_video, stored_files, upload

pytestmark = pytest.mark.django_db
VTT = b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"


def test_video_create_stores_the_file_and_queues_a_job(
    user: User, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    with (
        mock.patch("catalog.services.async_task") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        video = services.video_create(owner=user, title="T", file=upload(data=b"abc"))
    assert (video.status, video.source_size, video.visibility) == ("queued", 3, "public")
    job = TranscodeJob.objects.get(video=video)
    enqueue.assert_called_once_with("catalog.tasks.transcode", job.pk, group="transcode")
    assert stored_files(media_root) == [f"videos/{video.pk}/source/upload"]


def test_video_create_survives_a_broker_outage_after_commit(
    user: User, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    """The row is committed; the sweeper queues the job later, so the upload must stand."""
    with (
        mock.patch("catalog.services.async_task", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        video = services.video_create(owner=user, title="T", file=upload(data=b"abc"))
    assert TranscodeJob.objects.filter(video=video, status="queued").exists()
    assert stored_files(media_root) == [f"videos/{video.pk}/source/upload"]


def test_video_create_refuses_a_big_file_before_storing(
    user: User, settings, media_root: Path
) -> None:
    settings.UPLOAD_MAX_BYTES = 2
    with pytest.raises(UploadTooLarge, match="The file is 3 bytes; the largest upload allowed"):
        services.video_create(owner=user, title="T", file=upload(data=b"abc"))
    assert not Video.objects.exists() and stored_files(media_root) == []


def test_video_create_removes_the_file_when_the_database_fails(
    user: User, media_root: Path
) -> None:
    with (
        mock.patch.object(TranscodeJob.objects, "create", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        services.video_create(owner=user, title="T", file=upload())
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_video_update_changes_only_editable_fields(user: User) -> None:
    video = make_video(user, "Old")
    services.video_update(video=video, data={"title": "New", "status": "failed", "owner": None})
    video.refresh_from_db()
    assert (video.title, video.status, video.owner) == ("New", "ready", user)


def test_video_delete_removes_files_after_commit(
    user: User, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    video = make_video(user, files=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.video_delete(video=video)
    assert stored_files(media_root)  # not before the commit
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []


def test_video_retry(user: User) -> None:
    failed = make_video(user, status="failed", error="x", progress=50)
    job = services.video_retry(video=failed)
    assert (failed.status, failed.error, failed.progress) == ("queued", None, 0)
    assert job.video == failed
    with pytest.raises(NotRetryable):
        services.video_retry(video=failed)


def test_subtitle_set_creates_then_replaces(
    user: User, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    video = make_video(user)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.subtitle_set(video=video, language="en", file=ContentFile(VTT))
        old_name = first.file.name
        second = services.subtitle_set(
            video=video, language="en", file=ContentFile(VTT), label="Subs"
        )
    assert second.pk == first.pk and second.file.name != old_name
    assert (second.language, second.label) == ("en", "Subs")
    assert [n for n in stored_files(media_root) if "subtitles" in n] == [second.file.name]


def test_subtitle_set_refuses_bad_input_without_leftovers(user: User, media_root: Path) -> None:
    video = make_video(user)
    with pytest.raises(InvalidSubtitle, match="not a language tag"):
        services.subtitle_set(video=video, language="klingon!", file=ContentFile(VTT))
    with pytest.raises(InvalidSubtitle, match="no cues"):
        services.subtitle_set(video=video, language="en", file=ContentFile(b"WEBVTT\n"))
    assert not Subtitle.objects.exists()
    assert stored_files(media_root) == []


def test_subtitle_set_removes_its_file_when_the_database_fails(
    user: User, media_root: Path
) -> None:
    video = make_video(user)
    with (
        mock.patch.object(Subtitle, "save", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        services.subtitle_set(video=video, language="en", file=ContentFile(VTT))
    assert stored_files(media_root) == []


def test_subtitle_set_reads_no_more_than_the_limit(user: User, settings) -> None:
    settings.SUBTITLE_MAX_BYTES = 50
    video = make_video(user)
    big = mock.MagicMock(wraps=ContentFile(VTT * 100))
    big.size = len(VTT * 100)
    with pytest.raises(InvalidSubtitle, match="subtitle files may be up to 50 bytes"):
        services.subtitle_set(video=video, language="en", file=big)
    big.read.assert_not_called()  # a known size is refused without reading
    big.size = None  # a stream of unknown size: read one byte past the limit, no more
    with pytest.raises(InvalidSubtitle, match="largest allowed"):
        services.subtitle_set(video=video, language="en", file=big)
    big.read.assert_called_once_with(51)


def test_subtitle_delete(user: User, media_root: Path, django_capture_on_commit_callbacks) -> None:
    video = make_video(user)
    with django_capture_on_commit_callbacks(execute=True):
        track = services.subtitle_set(video=video, language="fr", file=ContentFile(VTT))
        services.subtitle_delete(subtitle=track)
    assert not Subtitle.objects.exists()
    assert stored_files(media_root) == []
