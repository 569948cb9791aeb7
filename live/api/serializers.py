"""Shapes of the channels API: output representations and input validation (no writes here)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.files import storage_url
from catalog.models import Video
from config.api_schema import PartialUpdateSerializer, StrictInputSerializer
from live import details, presence, selectors, services
from live.errors import InvalidChannel
from live.models import SLUG_MAX_CHARS, SLUG_MIN_CHARS, Channel, ChannelModerator, LiveSession

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
SLUG_HELP = (
    f"The channel's address: {SLUG_MIN_CHARS}–{SLUG_MAX_CHARS} lowercase letters, digits and "
    "hyphens (not first or last). Reserved words such as admin or api are refused."
)
VISIBILITY_ERROR = "Choose one of: public, unlisted, private."
IMAGE_HELP = "A JPEG, PNG or WebP image (multipart); null (JSON) removes it."


def _refusal(error: InvalidChannel) -> serializers.ValidationError:
    return serializers.ValidationError(str(error))


@extend_schema_field({"type": "integer", "enum": list(details.SLOW_MODE_VALUES)})
class SlowModeField(serializers.IntegerField):
    """Seconds of slow mode: an integer of a few allowed values."""


class ChannelSerializer(serializers.ModelSerializer[Channel]):
    """A channel as API consumers see it (never its stream key)."""

    owner = serializers.CharField(source="owner.username", read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    hls_url = serializers.SerializerMethodField(
        help_text="The live master playlist while the channel is live, else null."
    )
    viewer_count = serializers.SerializerMethodField(help_text="Viewers watching now.")
    thumbnail_url = serializers.SerializerMethodField(help_text="The latest live thumbnail.")
    avatar_url = serializers.SerializerMethodField()
    offline_image_url = serializers.SerializerMethodField(
        help_text="Shown on the channel's page while it is offline."
    )
    chat_slow_mode_seconds = SlowModeField(
        read_only=True, help_text="Seconds a chatter waits between messages (0: off)."
    )

    class Meta:
        model = Channel
        fields = [
            "slug",
            "title",
            "description",
            "tags",
            "owner",
            "is_live",
            "hls_url",
            "viewer_count",
            "backend",
            "provisioning",
            "thumbnail_url",
            "avatar_url",
            "offline_image_url",
            "created",
            "replay_visibility",
            "chat_slow_mode_seconds",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_hls_url(self, channel: Channel) -> str | None:
        return selectors.hls_url(channel)

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_viewer_count(self, channel: Channel) -> int:
        counts = self.context.get("viewer_counts")
        if isinstance(counts, dict) and channel.pk in counts:
            return int(counts[channel.pk])
        return presence.viewer_count(channel.pk)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnail_url(self, channel: Channel) -> str | None:
        return storage_url(channel.thumbnail_path)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_avatar_url(self, channel: Channel) -> str | None:
        return storage_url(channel.avatar.name)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_offline_image_url(self, channel: Channel) -> str | None:
        return storage_url(channel.offline_image.name)


class TagField(serializers.CharField):
    """One tag: a string (a number is not turned into one), at most TAG_MAX_CHARS long."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TagsField(serializers.ListField):
    """A list of tags whose errors are a list of sentences, as every field's are documented."""

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            detail = error.detail if isinstance(error.detail, dict) else {}
            raise serializers.ValidationError(
                [
                    f"Tag {int(i) + 1}: {message}"
                    for i, messages in detail.items()
                    for message in messages
                ]
            ) from None


def _tags_field(**kwargs: Any) -> serializers.ListField:
    return TagsField(
        child=TagField(max_length=details.TAG_MAX_CHARS, allow_blank=False),
        max_length=details.TAGS_MAX,
        help_text=details.TAGS_HELP,
        **kwargs,
    )


class ChannelDetailsMixin(serializers.Serializer[Any]):
    """Validation the create and update inputs share: the services' own rules."""

    def validate_title(self, value: str) -> str:
        try:
            return details.clean_title(value)
        except InvalidChannel as error:
            raise _refusal(error) from None

    def validate_tags(self, value: list[str]) -> list[str]:
        try:
            return details.clean_tags(value)
        except InvalidChannel as error:
            raise _refusal(error) from None


class ChannelCreateSerializer(ChannelDetailsMixin, StrictInputSerializer):
    """A new channel of the signed-in user."""

    slug = serializers.RegexField(
        SLUG_PATTERN,
        min_length=SLUG_MIN_CHARS,
        max_length=SLUG_MAX_CHARS,
        trim_whitespace=False,  # exactly what the documented pattern accepts
        help_text=SLUG_HELP,
        error_messages={"invalid": SLUG_HELP},
    )
    title = serializers.CharField(max_length=details.TITLE_MAX)
    description = serializers.CharField(
        max_length=details.DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    tags = _tags_field(required=False, default=list)

    def validate_slug(self, value: str) -> str:
        try:
            return services.check_slug(value)
        except InvalidChannel as error:
            raise _refusal(error) from None


def _form_tags_field() -> serializers.CharField:
    # A form cannot tell a list of one from a word, so forms send the tags as one text.
    return serializers.CharField(
        max_length=details.TAGS_MAX * (details.TAG_MAX_CHARS + 2),
        required=False,
        allow_blank=True,
        help_text=f"Words separated by commas or spaces. {details.TAGS_HELP}",
    )


def _form_tags(value: str) -> list[str]:
    try:
        return details.clean_tags(details.split_tags(value))
    except InvalidChannel as error:
        raise _refusal(error) from None


class ChannelCreateFormSerializer(ChannelCreateSerializer):
    """A new channel, sent as a form."""

    tags = _form_tags_field()  # type: ignore[assignment]

    def validate_tags(self, value: str) -> list[str]:  # type: ignore[override]
        return _form_tags(value)


class ChannelUpdateSerializer(ChannelDetailsMixin, PartialUpdateSerializer):
    """What an owner may change; any subset of it."""

    def validate_chat_slow_mode_seconds(self, value: int) -> int:
        try:
            return details.clean_slow_mode(value)
        except InvalidChannel as error:
            raise _refusal(error) from None

    title = serializers.CharField(max_length=details.TITLE_MAX, required=False)
    description = serializers.CharField(
        max_length=details.DESCRIPTION_MAX, required=False, allow_blank=True
    )
    tags = _tags_field(required=False)
    replay_visibility = serializers.ChoiceField(
        choices=Video.Visibility.choices,
        required=False,
        error_messages={"invalid_choice": VISIBILITY_ERROR},
        help_text="The visibility new replays get.",
    )
    chat_slow_mode_seconds = SlowModeField(
        required=False,
        help_text=(
            "Seconds a chatter waits between messages: one of "
            + ", ".join(str(seconds) for seconds in details.SLOW_MODE_VALUES)
            + " (0: off; the owner and moderators are not slowed)."
        ),
    )
    avatar = serializers.FileField(
        required=False, allow_null=True, allow_empty_file=False, help_text=IMAGE_HELP
    )
    offline_image = serializers.FileField(
        required=False, allow_null=True, allow_empty_file=False, help_text=IMAGE_HELP
    )


class StreamKeySerializer(serializers.Serializer[Any]):
    stream_key = serializers.CharField(help_text="Secret: whoever has it can stream here.")
    ingest_url = serializers.CharField(help_text="Where the encoder publishes (the key after /).")


class ModeratorSerializer(serializers.ModelSerializer[ChannelModerator]):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ChannelModerator
        fields = ["username", "created"]
        read_only_fields = fields


class ModeratorCreateSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=selectors.USERNAME_MAX_CHARS)


class HealthSerializer(serializers.Serializer[Any]):
    """The open session's stream health as the ingest measures it; nulls while offline."""

    health = serializers.DictField(
        allow_null=True,
        help_text=(
            "Incoming stream figures: bitrate (bits per second), frame_rate, "
            "keyframe_interval (seconds), dropped_frames, updated."
        ),
    )
    status = serializers.ChoiceField(choices=LiveSession.Status.choices, allow_null=True)
    started = serializers.DateTimeField(allow_null=True)
    keyframe_warning = serializers.BooleanField(
        allow_null=True, help_text="The source's keyframes are more than 1 s apart."
    )


class ChannelUpdateFormSerializer(ChannelUpdateSerializer):
    """What an owner may change, sent as a form (multipart for the images)."""

    tags = _form_tags_field()  # type: ignore[assignment]

    def validate_tags(self, value: str) -> list[str]:  # type: ignore[override]
        return _form_tags(value)
