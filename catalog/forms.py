"""Forms of the catalog pages (the upload page posts to the API; this form is its fallback)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from catalog.models import Video
from catalog.services import human_bytes


class VideoDetailsForm(forms.Form):
    """Title, description and visibility: what an owner may change after uploading."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown under the player.",
    )
    visibility = forms.ChoiceField(
        choices=Video.Visibility.choices,
        initial=Video.Visibility.PUBLIC,
        help_text=(
            "Public videos are listed in the catalog; unlisted ones play for anyone with "
            "the link; private ones only for you."
        ),
    )


class UploadForm(VideoDetailsForm):
    """A new video: its details and the media file."""

    file = forms.FileField(
        label="Video or audio file",
        widget=forms.FileInput(attrs={"accept": "video/*,audio/*"}),
    )

    field_order = ("title", "description", "visibility", "file")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = human_bytes(settings.UPLOAD_MAX_BYTES)
        self.fields["file"].help_text = f"Any common video or audio format, up to {limit}."
        self.fields["file"].widget.attrs["data-max-bytes"] = str(settings.UPLOAD_MAX_BYTES)
