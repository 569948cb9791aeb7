"""Admin for videos and their transcode jobs (jobs are read-only: the pipeline owns them).

Streamers (staff with the live app's ``streamers`` group) see their own videos only, their
live replays among them (accounts/admin_owned.py); superusers see every video.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_owned import OwnedAdmin
from catalog import services
from catalog.models import Rendition, Subtitle, Track, TranscodeJob, Video


class ReadOnlyInline(admin.TabularInline[Any, Video]):
    """An inline that shows rows without adding, changing or deleting them."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RenditionInline(ReadOnlyInline):
    """Written by the transcoding pipeline only."""

    model = Rendition
    fields = ("width", "height", "bitrate", "codecs", "bytes", "playlist_path")


class SubtitleInline(ReadOnlyInline):
    """Tracks are added on the owner's subtitles page or through the API (validated there)."""

    model = Subtitle
    fields = ("language", "label", "file", "created")


class TrackInline(ReadOnlyInline):
    """A music track's tags, loudness and tempo (written by upload, analysis and the API)."""

    model = Track
    fields = ("artist", "album", "bpm", "bpm_confidence", "bpm_note", "loudness")


class TranscodeJobInline(ReadOnlyInline):
    """Jobs belong to the pipeline; the change link opens the job's read-only page."""

    model = TranscodeJob
    fields = ("id", "status", "progress", "attempt", "created", "finished_at", "error")
    show_change_link = True


MEDIA_FIELDS = (
    "source", "source_size", "duration", "width", "height", "audio_only", "output_prefix",
    "hls_path", "poster_path", "sprite_vtt_path",
)  # fmt: skip


@admin.register(Video)
class VideoAdmin(OwnedAdmin[Video]):
    list_display = (
        "title", "owner", "kind", "status", "progress", "visibility", "duration", "created",
    )  # fmt: skip
    list_filter = ("kind", "status", "visibility", "audio_only", "created")
    search_fields = ("id", "title", "description", "owner__username")
    list_select_related = ("owner",)
    date_hierarchy = "created"
    raw_id_fields = ("owner",)
    readonly_fields = (
        "id", "kind", "created", "updated", "source", "source_size", "status", "progress", "error",
        "duration", "width", "height", "audio_only", "output_prefix", "hls_path",
        "poster_path", "sprite_vtt_path",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("id", "owner", "kind", "title", "description", "visibility")}),
        ("Processing", {"fields": ("status", "progress", "error", "created", "updated")}),
        ("Media", {"fields": MEDIA_FIELDS}),
    )
    inlines = (TrackInline, RenditionInline, SubtitleInline, TranscodeJobInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = tuple(super().get_readonly_fields(request, obj))
        # Only a superuser gives a video to someone else (and may list every account for it).
        return fixed if self.sees_all(request) else (*fixed, "owner")

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The service deletes a video's renditions, subtitles and jobs with it: whoever may
        # delete the video (a streamer, their replay) needs no permission on those rows.
        parts = {str(model._meta.verbose_name) for model in (Rendition, Subtitle, TranscodeJob)}
        return deleted, counts, set(perms_needed) - parts, protected

    def delete_model(self, request: HttpRequest, obj: Video) -> None:
        services.video_delete(video=obj)  # removes the files too, not just the row

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Video]) -> None:
        for video in queryset:
            services.video_delete(video=video)


@admin.register(TranscodeJob)
class TranscodeJobAdmin(admin.ModelAdmin[TranscodeJob]):
    list_display = ("id", "video", "status", "progress", "attempt", "lease_expires_at", "created")
    list_filter = ("status", "created")
    search_fields = ("id", "video__id", "video__title")
    list_select_related = ("video",)
    date_hierarchy = "created"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in TranscodeJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # view only: the pipeline alone writes jobs
