"""Uploaded videos: frames sampled across the video and the poster, classified, acted on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import User
from catalog import hooks
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from moderation import uploads
from moderation.models import Flag
from moderation.tests.conftest import labels
from moderation.tests.fakes import ScriptedClassifier

pytestmark = [pytest.mark.django_db, pytest.mark.media]


@pytest.fixture
def uploaded(user: User, clip_factory: Callable[..., Path], tmp_path: Path) -> Video:
    """A ready video with a real 12 s source and a real poster in storage."""
    clip = clip_factory("moderation-12s.mp4", seconds=12, size="320x180", rate=10, audio=False)
    video = make_video(user, duration=12.0)
    video.source.save("source.mp4", ContentFile(clip.read_bytes()), save=False)
    (poster,) = uploads.extract_frames(clip, [1.0], tmp_path)
    name = default_storage.save(video.poster_path, ContentFile(poster.read_bytes()))
    Video.objects.filter(pk=video.pk).update(source=video.source.name, poster_path=name)
    video.refresh_from_db()
    return video


def test_sample_times_spread_over_the_whole_video(settings) -> None:
    settings.MODERATION_FRAME_INTERVAL_SECONDS, settings.MODERATION_MAX_FRAMES = 10, 12
    assert uploads.sample_times(25) == [5.0, 15.0]
    long = uploads.sample_times(3600)
    assert (
        len(long) == 12 and long[0] == 150 and long[-1] == 3450
    )  # every 300 s, not the first 2 min
    assert uploads.sample_times(3) == [5.0]  # shorter than an interval: one frame (ffmpeg clamps)


def test_a_clean_upload_passes_the_real_model(uploaded: Video) -> None:
    assert uploads.classify_video(uploaded.pk) == "allowed"
    assert not Flag.objects.exists()
    uploaded.refresh_from_db()
    assert uploaded.visibility == Video.Visibility.PUBLIC


def test_the_worst_frame_decides_and_is_kept_as_evidence(
    uploaded: Video, scripted: type[ScriptedClassifier]
) -> None:
    scripted.image = labels(explicit_nudity=0.91)
    assert uploads.classify_video(uploaded.pk) == "end_stream"  # for a video: hidden
    assert len(scripted.images_seen) == 2  # the poster and one frame at 5 s (12 s long)
    flag = Flag.objects.get()
    assert (flag.item_kind, flag.item_id, flag.top_label) == (
        "video",
        uploaded.pk,
        "explicit_nudity",
    )
    assert default_storage.open(flag.evidence_image).read()[:2] == b"\xff\xd8"  # a JPEG
    uploaded.refresh_from_db()
    assert (
        uploaded.visibility == Video.Visibility.PRIVATE
        and "explicit nudity" in uploaded.held_reason
    )


def test_an_unavailable_classifier_flags_for_review(
    uploaded: Video, scripted: type[ScriptedClassifier]
) -> None:
    scripted.fail = True
    assert uploads.classify_video(uploaded.pk) == "unclassified"
    assert Flag.objects.get().top_label == "unclassified"


@pytest.mark.parametrize("kind", [Video.Kind.UPLOAD, Video.Kind.TRACK])
def test_an_audio_upload_or_music_track_checks_its_cover_only(
    user: User, scripted: type[ScriptedClassifier], kind: str
) -> None:
    video = make_video(user, audio_only=True, duration=30.0, kind=kind)
    default_storage.save(video.poster_path, ContentFile(b"cover"))
    assert uploads.classify_video(video.pk) == "allowed"
    assert scripted.images_seen == [b"cover"]


def test_gone_or_unready_videos_are_skipped(user: User) -> None:
    assert uploads.classify_video("nope") == "gone"
    assert uploads.classify_video(make_video(user, status=Video.Status.PROCESSING).pk) == "gone"


def test_publishing_queues_the_check_on_the_fast_cluster(
    user: User, django_capture_on_commit_callbacks
) -> None:
    video = make_video(user)
    with (
        mock.patch("django_q.tasks.async_task") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        hooks.video_published.send(sender=Video, video_id=video.pk, kind=Video.Kind.UPLOAD)
        hooks.video_published.send(sender=Video, video_id=video.pk, kind=Video.Kind.REPLAY)
    enqueue.assert_called_once_with("moderation.uploads.classify_video", video.pk, cluster="live")
