"""Shapes of the video API: output representations and input validation (no writes here)."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import media_grants, subtitles
from catalog.files import storage_url
from catalog.models import Rendition, Subtitle, Video
from config.api_schema import PartialUpdateSerializer, StrictInputSerializer


def _max_length(model: type[Video] | type[Subtitle], name: str) -> int:
    """Read a text field's limit from the model, where it is defined once."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.max_length, f"{name} has no max_length"
    return int(field.max_length)


TITLE_MAX = _max_length(Video, "title")
DESCRIPTION_MAX = _max_length(Video, "description")
LABEL_MAX = _max_length(Subtitle, "label")
VISIBILITY_ERROR = "Choose one of: public, unlisted, private."
LANGUAGE_ERROR = "This is not a language tag; use a BCP 47 tag such as 'en', 'fr' or 'pt-BR'."


class RenditionSerializer(serializers.ModelSerializer[Rendition]):
    class Meta:
        model = Rendition
        fields = ["height", "width", "bitrate", "codecs"]


class SubtitleSerializer(serializers.ModelSerializer[Subtitle]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Subtitle
        fields = ["language", "label", "url"]

    @extend_schema_field(serializers.CharField())
    def get_url(self, subtitle: Subtitle) -> str | None:
        return storage_url(subtitle.file.name)


class VideoSerializer(serializers.ModelSerializer[Video]):
    """A video as API consumers see it; URLs are ``null`` until the files exist."""

    owner = serializers.CharField(source="owner.username", read_only=True)
    progress = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    hls_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    thumbnails_url = serializers.SerializerMethodField(
        help_text="WebVTT map of the seek-preview sprite."
    )
    page_url = serializers.CharField(source="get_absolute_url", read_only=True)
    renditions = RenditionSerializer(many=True, read_only=True)
    subtitles = SubtitleSerializer(many=True, read_only=True)

    class Meta:
        model = Video
        fields = [
            "id",
            "title",
            "description",
            "visibility",
            "owner",
            "created",
            "status",
            "progress",
            "error",
            "duration",
            "width",
            "height",
            "hls_url",
            "poster_url",
            "thumbnails_url",
            "page_url",
            "renditions",
            "subtitles",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(min_value=0, max_value=100))
    def get_progress(self, video: Video) -> float:
        if video.status == Video.Status.READY:
            return 100.0
        return round(min(max(video.progress or 0.0, 0.0), 100.0), 1)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, video: Video) -> str | None:
        if video.status != Video.Status.FAILED:
            return None
        return video.error or "Processing failed."

    def _file_url(self, video: Video, name: str) -> str | None:
        """A stored file's URL; for the owner of a private video, one a player can use alone."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        return media_grants.video_file_url(video, name, user_id)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_hls_url(self, video: Video) -> str | None:
        return self._file_url(video, video.hls_path) if video.status == Video.Status.READY else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_poster_url(self, video: Video) -> str | None:
        return self._file_url(video, video.poster_path)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnails_url(self, video: Video) -> str | None:
        return self._file_url(video, video.sprite_vtt_path)


def _visibility_field(**kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Video.Visibility.choices,
        error_messages={"invalid_choice": VISIBILITY_ERROR},
        **kwargs,
    )


class VideoCreateSerializer(StrictInputSerializer):
    """A multipart upload: the file and what people will read about it."""

    title = serializers.CharField(max_length=TITLE_MAX, trim_whitespace=True)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    visibility = _visibility_field(default=Video.Visibility.PUBLIC)
    file = serializers.FileField(
        allow_empty_file=False,
        use_url=False,
        error_messages={
            "required": "Choose a video or audio file to upload.",
            "empty": "The file is empty (0 bytes); choose a video or audio file.",
        },
    )


class VideoUpdateSerializer(PartialUpdateSerializer):
    """The fields an owner may change; any subset of them."""

    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True
    )
    visibility = _visibility_field(required=False)


class SubtitleCreateSerializer(StrictInputSerializer):
    """A WebVTT or SRT file for one language (the content is checked by the service)."""

    file = serializers.FileField(
        allow_empty_file=False,
        use_url=False,
        error_messages={
            "required": "Choose a WebVTT (.vtt) or SRT (.srt) file.",
            "empty": "The subtitle file is empty.",
        },
    )
    language = serializers.CharField(
        max_length=subtitles.LANGUAGE_MAX_CHARS,
        trim_whitespace=False,  # exactly what the pattern in the schema accepts
        validators=[RegexValidator(subtitles.LANGUAGE_PATTERN, LANGUAGE_ERROR)],
        help_text="A BCP 47 tag: en, fr, pt-BR… (any case; _ for - is accepted too).",
    )
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        max_length=LABEL_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="The name shown in the player; defaults to the language's own name.",
    )

    def validate_language(self, value: str) -> str:
        try:
            return subtitles.normalise_language(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
