"""What a channel's title, description, tags, replay visibility and slow mode may be: one set
of rules.

The services apply them whatever the caller (API, pages, admin); forms and serializers use
the same limits so that people see the refusal next to the field before anything is saved.
"""

from __future__ import annotations

import re
from typing import Any

from catalog.models import Video
from live.errors import InvalidChannel
from live.models import SLOW_MODE_CHOICES, Channel

TITLE_MAX = Channel._meta.get_field("title").max_length or 0
DESCRIPTION_MAX = Channel._meta.get_field("description").max_length or 0
TAGS_MAX = 10
TAG_MAX_CHARS = 30
# A tag is one word: letters of any script, digits, and hyphens inside it ("lo-fi", "música").
TAG = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
TAGS_HELP = (
    f"Up to {TAGS_MAX} words that say what you stream, such as music, lo-fi or speedrun "
    f"(each up to {TAG_MAX_CHARS} characters; stored in lowercase)."
)


def clean_title(value: Any) -> str:
    """Return the title trimmed, or raise InvalidChannel saying what is wrong with it."""
    if not isinstance(value, str):
        raise InvalidChannel("The title must be text.", field="title")
    value = value.strip()
    if not value:
        raise InvalidChannel("Give the channel a title.", field="title")
    if len(value) > TITLE_MAX or "\x00" in value:
        raise InvalidChannel(f"A title has at most {TITLE_MAX} characters.", field="title")
    return value


def clean_description(value: Any) -> str:
    """Return the description trimmed (it may be empty)."""
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidChannel("The description must be text.", field="description")
    value = value.strip()
    if len(value) > DESCRIPTION_MAX:
        raise InvalidChannel(
            f"A description has at most {DESCRIPTION_MAX} characters.", field="description"
        )
    return value


def clean_tags(value: Any) -> list[str]:
    """Return the tags in lowercase, each once, in the order given."""
    if not isinstance(value, list | tuple) or not all(isinstance(tag, str) for tag in value):
        raise InvalidChannel("Tags are a list of words.", field="tags")
    if len(value) > TAGS_MAX:
        raise InvalidChannel(f"A channel has at most {TAGS_MAX} tags.", field="tags")
    tags: list[str] = []
    for raw in value:
        tag = raw.strip().lower()
        if len(tag) > TAG_MAX_CHARS:
            raise InvalidChannel(
                f"“{tag[:TAG_MAX_CHARS]}…” is too long: a tag has at most {TAG_MAX_CHARS} "
                "characters.",
                field="tags",
            )
        if not TAG.fullmatch(tag):
            shown = tag.replace("\x00", "") or "an empty tag"
            raise InvalidChannel(
                f"“{shown}” is not a tag: use one word of letters and digits (hyphens inside "
                "are fine).",
                field="tags",
            )
        if tag not in tags:
            tags.append(tag)
    return tags


def split_tags(text: str) -> list[str]:
    """Split what people type in a tags box ("music, lo-fi chill") into words."""
    return [word for word in re.split(r"[,\s]+", text) if word]


def clean_replay_visibility(value: Any) -> str:
    if value not in Video.Visibility.values:
        raise InvalidChannel("Choose one of: public, unlisted, private.", field="replay_visibility")
    return str(value)


SLOW_MODE_VALUES = tuple(seconds for seconds, _ in SLOW_MODE_CHOICES)


def clean_slow_mode(value: Any) -> int:
    if isinstance(value, bool) or value not in SLOW_MODE_VALUES:
        allowed = ", ".join(str(seconds) for seconds in SLOW_MODE_VALUES)
        raise InvalidChannel(
            f"Slow mode is one of {allowed} seconds (0 turns it off).",
            field="chat_slow_mode_seconds",
        )
    return int(value)


CLEANERS = {
    "title": clean_title,
    "description": clean_description,
    "tags": clean_tags,
    "replay_visibility": clean_replay_visibility,
    "chat_slow_mode_seconds": clean_slow_mode,
}


def clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Return the given text fields cleaned (the ones ``CLEANERS`` knows; others untouched)."""
    return {name: CLEANERS[name](value) for name, value in fields.items() if name in CLEANERS}
