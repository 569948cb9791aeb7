"""Forms of the catalog pages (the upload page posts to the API; its form is the fallback)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from catalog import subtitles
from catalog.models import Subtitle, Video
from common.units import human_bytes


class VideoDetailsForm(forms.Form):
    """Title, description and visibility: what an owner may change after uploading."""

    # The limits are the model's: one number per field, wherever it is entered.
    title = forms.CharField(max_length=Video._meta.get_field("title").max_length)
    description = forms.CharField(
        required=False,
        max_length=Video._meta.get_field("description").max_length,
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


# Offered by the language field's <datalist>; any other BCP 47 tag may be typed.
SUGGESTED_LANGUAGES = (
    "en", "es", "es-419", "fr", "de", "it", "pt", "pt-BR", "nl", "pl", "sv", "ru", "uk",
    "tr", "ar", "hi", "ja", "ko", "zh-Hans", "zh-Hant",
)  # fmt: skip


class SubtitleForm(forms.Form):
    """A WebVTT or SRT file for one language (the content is checked by the service)."""

    file = forms.FileField(
        label="Subtitle file",
        widget=forms.FileInput(attrs={"accept": ".vtt,.srt,text/vtt"}),
        error_messages={
            "required": "Choose a WebVTT (.vtt) or SRT (.srt) file.",
            "empty": "The subtitle file is empty.",
            "invalid": "Choose a WebVTT (.vtt) or SRT (.srt) file.",
        },
    )
    language = forms.CharField(
        max_length=Subtitle._meta.get_field("language").max_length,
        help_text=(
            "A BCP 47 language tag: en for English, fr for French, pt-BR for Brazilian "
            "Portuguese, es-419 for Latin American Spanish."
        ),
        widget=forms.TextInput(
            attrs={
                "placeholder": "en",
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "list": "subtitle-languages",
            }
        ),
        error_messages={
            "required": "Enter the language of the subtitles, such as en or pt-BR.",
            "max_length": "A language tag has at most %(limit_value)d characters, such as pt-BR.",
        },
    )
    label = forms.CharField(
        label="Name in the player",
        required=False,
        max_length=Subtitle._meta.get_field("label").max_length,
        help_text="Leave it empty to use the language's own name, such as English or français.",
        widget=forms.TextInput(attrs={"placeholder": "English (SDH)", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = human_bytes(settings.SUBTITLE_MAX_BYTES)
        self.fields[
            "file"
        ].help_text = f"WebVTT (.vtt) or SRT (.srt), up to {limit}; SRT is converted to WebVTT."

    def clean_language(self) -> str:
        """Return the tag in its usual case (pt-br → pt-BR)."""
        try:
            return subtitles.normalise_language(self.cleaned_data["language"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    @staticmethod
    def language_suggestions() -> list[tuple[str, str]]:
        """Return common tags with their names, for the language field's suggestions."""
        return [(tag, subtitles.default_label(tag)) for tag in SUGGESTED_LANGUAGES]
