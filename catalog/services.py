"""Writes of the catalog: every change to a video goes through here."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django_q.tasks import async_task

from accounts.models import User
from catalog import selectors, storage, subtitles
from catalog.errors import (
    InvalidSubtitle,
    NotRetryable,
    QueueQuotaExceeded,
    StorageQuotaExceeded,
    UploadTooLarge,
)
from catalog.models import Rendition, Subtitle, TranscodeJob, Video
from catalog.transcoding.backends.base import RenditionOutput
from common.units import human_bytes

log = logging.getLogger(__name__)

EDITABLE_FIELDS = ("title", "description", "visibility")


def _enqueue_transcode(job: TranscodeJob) -> None:
    """Queue the job's task once the transaction that created it has committed."""
    # robust: the video is committed by then; if the broker is down the per-minute sweeper
    # (catalog.tasks.resume_stalled_jobs) queues the job later, so the upload still succeeds.
    transaction.on_commit(
        lambda: async_task("catalog.tasks.transcode", job.pk, group="transcode"), robust=True
    )


def check_upload_size(size: int) -> None:
    """Refuse a file larger than ``UPLOAD_MAX_BYTES`` with a message a person understands."""
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadTooLarge(
            f"The file is {human_bytes(size)}; the largest upload allowed is {human_bytes(limit)}."
        )


def check_quotas(*, owner: User, size: int) -> None:
    """Refuse an upload of ``size`` bytes that the owner's quotas have no room for."""
    if owner.is_superuser:  # operators load archives and demo content; staff (streamers) don't
        return
    quota = settings.QUOTA_STORAGE_BYTES
    used = selectors.storage_used(user=owner) if quota else 0
    if quota and used + size > quota:
        raise StorageQuotaExceeded(
            f"This file ({human_bytes(size)}) does not fit in your storage quota of "
            f"{human_bytes(quota)}: your videos already hold {human_bytes(used)}. "
            "Delete some of them to make room."
        )
    quota = settings.QUOTA_QUEUED_MINUTES
    queued = selectors.queued_minutes(user=owner) if quota else 0
    if quota and queued >= quota:
        raise QueueQuotaExceeded(
            f"Your videos waiting to be processed add up to about {queued:.0f} minutes, and "
            f"the queue quota is {quota} minutes. Upload this one once some of them are ready."
        )


def video_create(
    *,
    owner: User,
    title: str,
    file: UploadedFile,
    description: str = "",
    visibility: str = Video.Visibility.PUBLIC,
) -> Video:
    """Store an upload and queue its transcode; a failure leaves no row and no file behind."""
    video = Video(owner=owner, title=title, description=description, visibility=visibility)
    return upload_create(owner=owner, video=video, file=file)


def upload_create(
    *,
    owner: User,
    video: Video,
    file: UploadedFile,
    with_video: Callable[[Video], object] | None = None,
) -> Video:
    """Store ``file`` as the source of the unsaved ``video`` and queue its transcode.

    ``with_video`` adds the rows that go with the video (a music track's) in the same
    transaction. A failure leaves no row and no file behind.
    """
    check_upload_size(file.size or 0)
    check_quotas(owner=owner, size=file.size or 0)  # before storing: refuse early and cheaply
    video.source_size = file.size or 0
    video.source.save("upload", file, save=False)  # file work outside the transaction
    try:
        with transaction.atomic():
            # Again under the owner's row lock: two uploads at once must not both fit.
            User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
            check_quotas(owner=owner, size=video.source_size)
            video.save(force_insert=True)
            if with_video is not None:
                with_video(video)
            job = TranscodeJob.objects.create(video=video)
            _enqueue_transcode(job)
    except BaseException:
        storage.delete_prefix(f"videos/{video.pk}")
        raise
    return video


def video_update(*, video: Video, data: dict[str, Any]) -> Video:
    """Change a video's title, description or visibility."""
    changed = [field for field in EDITABLE_FIELDS if field in data]
    for field in changed:
        setattr(video, field, data[field])
    if changed:
        with transaction.atomic():
            video.save(update_fields=[*changed, "updated"])
    return video


def video_delete(*, video: Video) -> None:
    """Delete a video and, after commit, every file it owns."""
    prefixes = {f"videos/{video.pk}"}
    if video.output_prefix and not video.output_prefix.startswith(f"videos/{video.pk}/"):
        prefixes.add(video.output_prefix)  # a replay's files stay where the live session wrote
    with transaction.atomic():
        # Lock in the order the transcode's publish does (jobs, then the video), so a delete
        # that meets a finishing transcode waits for it instead of deadlocking.
        list(TranscodeJob.objects.select_for_update().filter(video_id=video.pk).values("pk"))
        list(Video.objects.select_for_update().filter(pk=video.pk).values("pk"))
        video.delete()
        for prefix in prefixes:
            transaction.on_commit(functools.partial(storage.delete_prefix, prefix), robust=True)


def user_videos_delete(*, user: User) -> None:
    """Delete every video of ``user`` and, after commit, their files (account deletion)."""
    for video in user.videos.all():
        video_delete(video=video)


def video_retry(*, video: Video) -> TranscodeJob:
    """Queue a new transcode of a failed video."""
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        if locked.status != Video.Status.FAILED:
            raise NotRetryable("Only a video whose processing failed can be retried.")
        locked.status = Video.Status.QUEUED
        locked.progress = 0
        locked.error = None
        locked.save(update_fields=["status", "progress", "error", "updated"])
        job = TranscodeJob.objects.create(video=locked)
        _enqueue_transcode(job)
    video.refresh_from_db()
    return job


def _read_subtitle(file: File[Any]) -> bytes:
    """Refuse a file over the subtitle limit by its size; read at most one byte past it."""
    limit = settings.SUBTITLE_MAX_BYTES
    if (file.size or 0) > limit:
        raise InvalidSubtitle(
            f"The file is {human_bytes(file.size or 0)}; subtitle files may be up to "
            f"{human_bytes(limit)}."
        )
    file.seek(0)
    data = file.read(settings.SUBTITLE_MAX_BYTES + 1)
    return data.encode() if isinstance(data, str) else bytes(data)


def subtitle_set(*, video: Video, language: str, file: File[Any], label: str = "") -> Subtitle:
    """Add a WebVTT/SRT track for ``language``, replacing that language's previous track."""
    try:
        language = subtitles.normalise_language(language)
    except ValueError as exc:
        raise InvalidSubtitle(str(exc)) from None
    text = subtitles.to_webvtt(_read_subtitle(file))
    label = label.strip() or subtitles.default_label(language)
    subtitle = Subtitle(video=video, language=language, label=label)
    subtitle.file.save("subtitle.vtt", ContentFile(text.encode("utf-8")), save=False)
    try:
        with transaction.atomic():
            # Lock the video so that two uploads for one language cannot both insert.
            Video.objects.select_for_update().filter(pk=video.pk).values_list("pk").first()
            old = Subtitle.objects.filter(video=video, language__iexact=language).first()
            if old is not None:
                old_name = old.file.name
                old.language, old.label, old.file = language, label, subtitle.file
                old.save(update_fields=["language", "label", "file"])
                transaction.on_commit(lambda: default_storage.delete(old_name), robust=True)
                subtitle = old
            else:
                subtitle.save(force_insert=True)
    except BaseException:
        default_storage.delete(subtitle.file.name)
        raise
    return subtitle


def subtitle_delete(*, subtitle: Subtitle) -> None:
    """Delete a subtitle track and, after commit, its file."""
    name = subtitle.file.name
    with transaction.atomic():
        subtitle.delete()
        transaction.on_commit(lambda: default_storage.delete(name), robust=True)


def video_create_published(
    *,
    owner: User,
    title: str,
    kind: str,
    visibility: str,
    prefix: str,
    master: str,
    renditions: list[RenditionOutput],
    poster: str | None,
    duration: float,
) -> Video:
    """Add a ready video whose HLS output already sits in storage (a live replay).

    Every name is a full storage name under ``prefix``, which the video then owns (deleting
    the video deletes it).
    """
    top = max(renditions, key=lambda r: (r.height or 0, r.bitrate), default=None)
    with transaction.atomic():
        video = Video.objects.create(
            owner=owner,
            title=title[: Video._meta.get_field("title").max_length],
            kind=kind,
            visibility=visibility,
            status=Video.Status.READY,
            progress=100,
            output_prefix=prefix,
            hls_path=master,
            poster_path=poster or "",
            duration=duration,
            width=top.width if top else None,
            height=top.height if top else None,
            audio_only=top is not None and top.height is None,
        )
        Rendition.objects.bulk_create(
            Rendition(
                video=video,
                width=r.width,
                height=r.height,
                bitrate=r.bitrate,
                codecs=r.codecs,
                bytes=r.bytes,
                playlist_path=r.playlist,
            )
            for r in renditions
        )
    return video
