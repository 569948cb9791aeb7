"""Shapes of the music track API: output representation and input validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import TITLE_MAX, VideoSerializer, _visibility_field
from catalog.files import storage_url
from catalog.models import Track, Video
from catalog.music.forms import field_limit
from config.api_schema import PartialUpdateSerializer, StrictInputSerializer

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise  # django-stubs only

TAG_MAX = field_limit(Track, "artist")
MIN_BPM, MAX_BPM = 20.0, 400.0
MAX_TOLERANCE = 50.0
DEFAULT_TOLERANCE = 3.0


class TrackSerializer(VideoSerializer):
    """A music track as API consumers see it; URLs are ``null`` until the files exist."""

    artist = serializers.CharField(source="track.artist", read_only=True)
    album = serializers.CharField(source="track.album", read_only=True)
    bpm = serializers.FloatField(
        source="track.bpm", read_only=True, allow_null=True,
        help_text="Beats per minute, within one octave (80–160); null until measured or "
        "when the track has no measurable tempo (see bpm_note).",
    )  # fmt: skip
    bpm_confidence = serializers.FloatField(
        source="track.bpm_confidence", read_only=True, allow_null=True, min_value=0, max_value=1,
        help_text="0–1: the share of beats that agree with the tempo.",
    )  # fmt: skip
    bpm_note = serializers.CharField(
        source="track.bpm_note", read_only=True, help_text="Why bpm is null, when it is."
    )
    loudness = serializers.FloatField(
        source="track.loudness", read_only=True, allow_null=True,
        help_text="Integrated loudness (EBU R128), LUFS: players level volume with it.",
    )  # fmt: skip
    artwork_url = serializers.SerializerMethodField(
        help_text="Embedded cover art, else a generated waveform image."
    )

    class Meta:
        model = Video
        fields = [
            "id", "title", "artist", "album", "visibility", "owner", "created", "status",
            "progress", "error", "duration", "bpm", "bpm_confidence", "bpm_note", "hls_url",
            "artwork_url", "loudness",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_artwork_url(self, video: Video) -> str | None:
        return storage_url(video.poster_path)


class TrackCreateSerializer(StrictInputSerializer):
    """A multipart upload of a song; empty title, artist and album come from its tags."""

    title = serializers.CharField(
        max_length=TITLE_MAX, required=False, allow_blank=True, default=""
    )
    artist = serializers.CharField(max_length=TAG_MAX, required=False, allow_blank=True, default="")
    album = serializers.CharField(max_length=TAG_MAX, required=False, allow_blank=True, default="")
    visibility = _visibility_field(default=Video.Visibility.PUBLIC)
    file = serializers.FileField(
        allow_empty_file=False,
        use_url=False,
        error_messages={
            "required": "Choose an audio file to upload (MP3, AAC/M4A, FLAC, WAV, OGG or Opus).",
            "empty": "The file is empty (0 bytes); choose an audio file.",
        },
    )


class TrackUpdateSerializer(PartialUpdateSerializer):
    """The fields an owner may change; any subset of them."""

    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    artist = serializers.CharField(max_length=TAG_MAX, required=False, allow_blank=True)
    album = serializers.CharField(max_length=TAG_MAX, required=False, allow_blank=True)
    visibility = _visibility_field(required=False)


BPM_RANGE = f"Give a tempo from {MIN_BPM:.0f} to {MAX_BPM:.0f} beats per minute."
TOLERANCE_RANGE = f"Give a tolerance from 0 to {MAX_TOLERANCE:.0f} beats per minute."


def _range_messages(text: str) -> dict[str, str | StrPromise]:
    return {"min_value": text, "max_value": text, "invalid": text}


def _bpm_field(**kwargs: object) -> serializers.FloatField:
    return serializers.FloatField(
        min_value=MIN_BPM, max_value=MAX_BPM, error_messages=_range_messages(BPM_RANGE),
        help_text="Tempo to match, beats (or steps) per minute; half and double time match too.",
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def _tolerance_field() -> serializers.FloatField:
    return serializers.FloatField(
        min_value=0, max_value=MAX_TOLERANCE, required=False, default=DEFAULT_TOLERANCE,
        error_messages=_range_messages(TOLERANCE_RANGE),
        help_text="How far, in BPM, a match may be from bpm (default 3).",
    )  # fmt: skip


class TrackFilterSerializer(StrictInputSerializer):
    """The list's query: words to find and a tempo to match."""

    search = serializers.CharField(required=False, allow_blank=True, default="")
    bpm = _bpm_field(required=False, default=None)
    tolerance = _tolerance_field()


class TrackNextSerializer(StrictInputSerializer):
    """The queue's query: the tempo, and the track that is playing (none: the first)."""

    bpm = _bpm_field()
    tolerance = _tolerance_field()
    after = serializers.CharField(
        required=False, default=None, max_length=64,
        help_text="The id of the track played last (none: the queue's first track).",
    )  # fmt: skip
