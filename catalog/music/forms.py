"""The music upload page's form (the page posts to /api/tracks/; this is the fallback)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models

from catalog.models import Track, Video
from common.units import human_bytes

MISSING_FILE = "Choose an audio file to upload (MP3, AAC/M4A, FLAC, WAV, OGG or Opus)."


def field_limit(model: type[Video] | type[Track], name: str) -> int:
    """Read a text field's limit from the model, where it is defined once."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length
    return int(field.max_length)


class TrackUploadForm(forms.Form):
    """A new track: the audio file and, optionally, what its tags would otherwise say."""

    file = forms.FileField(
        label="Audio file",
        widget=forms.FileInput(attrs={"accept": "audio/*,.mp3,.m4a,.flac,.wav,.ogg,.opus"}),
        error_messages={"required": MISSING_FILE},
    )
    title = forms.CharField(
        required=False,
        max_length=field_limit(Video, "title"),
        help_text="Leave empty to use the title in the file's tags.",
    )
    artist = forms.CharField(required=False, max_length=field_limit(Track, "artist"))
    album = forms.CharField(required=False, max_length=field_limit(Track, "album"))
    visibility = forms.ChoiceField(
        choices=Video.Visibility.choices,
        initial=Video.Visibility.PUBLIC,
        help_text=(
            "Public tracks are listed in the music library; unlisted ones play for anyone "
            "with the link; private ones only for you."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = human_bytes(settings.UPLOAD_MAX_BYTES)
        file = self.fields["file"]
        file.help_text = f"MP3, AAC/M4A, FLAC, WAV, OGG or Opus, up to {limit}."
        file.widget.attrs["data-max-bytes"] = str(settings.UPLOAD_MAX_BYTES)
        file.widget.attrs["data-missing"] = MISSING_FILE
