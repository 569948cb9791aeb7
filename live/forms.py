"""Forms of the streamer's pages and admin: every refusal lands next to its field.

They run the services' own checks (live/details.py, live/images.py, the slug rules) in
``clean``, so a form that validates is one the service accepts; the services check again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from accounts.models import User
from catalog.models import Video
from common.units import human_bytes
from live import details, images, selectors, services
from live.errors import InvalidChannel
from live.models import SLOW_MODE_CHOICES, SLUG_MAX_CHARS, SLUG_MIN_CHARS, Channel

TAGS_TEXT_MAX = details.TAGS_MAX * (details.TAG_MAX_CHARS + 2)
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


def _run(check: Any, value: Any) -> Any:
    try:
        return check(value)
    except InvalidChannel as error:
        raise forms.ValidationError(str(error)) from None


class TagsField(forms.CharField):
    """Tags typed as one text ("music, lo-fi chill"), cleaned into a list of words."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            max_length=TAGS_TEXT_MAX,
            help_text=f"Separate them with commas or spaces. {details.TAGS_HELP}",
            widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "music, lo-fi"}),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        return list(_run(details.clean_tags, details.split_tags(text)))


class ImageField(forms.FileField):
    """An upload checked (and re-encoded) by live/images.py; cleans to a CheckedImage."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        limit = human_bytes(settings.LIVE_IMAGE_MAX_BYTES)
        super().__init__(
            required=False,
            widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
            help_text=f"JPEG, PNG or WebP, up to {limit}.",
            **kwargs,
        )

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data)
        if upload is None:
            return None  # nothing sent: the current image stays
        return _run(lambda file: images.check(file, kind=self.kind), upload)


def slug_field() -> forms.CharField:
    return forms.CharField(
        label="Address",
        min_length=SLUG_MIN_CHARS,
        max_length=SLUG_MAX_CHARS,
        help_text=(
            f"Your channel's page will be /live/your-address/: {SLUG_MIN_CHARS}–"
            f"{SLUG_MAX_CHARS} lowercase letters, digits and hyphens. It cannot be changed later."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class ChannelCreateForm(forms.Form):
    """A new channel: its address, title, description and tags."""

    slug = slug_field()
    title = forms.CharField(max_length=details.TITLE_MAX)
    description = forms.CharField(
        required=False,
        max_length=details.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on your channel's page.",
    )
    tags = TagsField()

    def clean_slug(self) -> str:
        slug = _run(services.check_slug, self.cleaned_data["slug"])
        if Channel.objects.filter(slug=slug).exists():
            raise forms.ValidationError(f"The address “{slug}” is taken; choose another.")
        return str(slug)

    def clean_title(self) -> str:
        return str(_run(details.clean_title, self.cleaned_data["title"]))


class ChannelDetailsForm(forms.Form):
    """What the owner may change: details, images, the visibility of new replays, slow mode."""

    title = forms.CharField(max_length=details.TITLE_MAX)
    description = forms.CharField(
        required=False,
        max_length=details.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on your channel's page.",
    )
    tags = TagsField()
    replay_visibility = forms.ChoiceField(
        label="Replays",
        choices=Video.Visibility.choices,
        help_text=(
            "Who can watch the recording of each stream once it ends: public replays are "
            "listed, unlisted ones play for anyone with the link, private ones only for you. "
            "You can change each replay afterwards."
        ),
    )
    chat_slow_mode_seconds = forms.TypedChoiceField(
        label="Chat slow mode",
        choices=SLOW_MODE_CHOICES,
        coerce=int,
        required=False,
        empty_value=0,  # type: ignore[arg-type]  # an int, as coerce gives (stubs say str)
        help_text=(
            "How long each chatter waits between two messages. You and your moderators are "
            "never slowed. Open chats learn the change at once."
        ),
    )
    avatar = ImageField("avatar", label="Avatar")
    remove_avatar = forms.BooleanField(required=False, label="Remove the current avatar")
    offline_image = ImageField("offline_image", label="Offline image")
    remove_offline_image = forms.BooleanField(
        required=False, label="Remove the current offline image"
    )

    def __init__(self, data: Any = None, files: Any = None, *, channel: Channel) -> None:
        initial = {name: getattr(channel, name) for name in services.EDITABLE_FIELDS}
        super().__init__(data, files, initial=initial)
        self.fields["avatar"].help_text += " Shown round, up to 512 pixels."
        offline = self.fields["offline_image"]
        offline.help_text += " Shown on your channel's page while you are offline (16:9 suits it)."
        for name in services.IMAGE_FIELDS:
            if not getattr(channel, name):
                del self.fields[f"remove_{name}"]  # nothing to remove

    def clean_title(self) -> str:
        return str(_run(details.clean_title, self.cleaned_data["title"]))

    def changes(self) -> dict[str, Any]:
        """Return the service's arguments: changed fields, new images, removed ones (None)."""
        data = self.cleaned_data
        changes = {
            name: data[name]
            for name in (
                "title",
                "description",
                "tags",
                "replay_visibility",
                "chat_slow_mode_seconds",
            )
        }
        for name in services.IMAGE_FIELDS:
            if isinstance(data[name], images.CheckedImage):
                changes[name] = data[name]  # a new image replaces the current one anyway
            elif data.get(f"remove_{name}"):
                changes[name] = None
        return changes


def user_for_username(value: str) -> User:
    """Return the account of ``value``, or raise a ValidationError saying there is none."""
    user = selectors.user_by_username(value)
    if user is None:
        raise forms.ValidationError("No account has this username.")
    return user


class ModeratorForm(forms.Form):
    """Appoint a moderator by username."""

    username = forms.CharField(
        max_length=selectors.USERNAME_MAX_CHARS,
        help_text="They can remove messages and time out or ban people in your chat.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_username(self) -> User:
        return user_for_username(self.cleaned_data["username"])
