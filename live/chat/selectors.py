"""Reads of the chat: the history a socket gets on joining, the API's pages, a replay's chat."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from live.chat import frames
from live.chat.roles import badges_by_author
from live.models import Channel, ChatMessage

HISTORY_MESSAGES = 50


def visible_messages(*, channel: Channel) -> QuerySet[ChatMessage]:
    """Return the channel's messages that are still shown, newest first."""
    return (
        ChatMessage.objects.filter(channel=channel, deleted=False)
        .select_related("author")
        .order_by("-created", "-pk")
    )


def as_frames(channel: Channel, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Return messages as ``message`` frames, with their authors' badges (three queries)."""
    badges = badges_by_author(channel, {m.author_id for m in messages})
    return [
        frames.message_frame(
            id=m.pk,
            text=m.text,
            username=m.author.get_username(),
            badges=badges.get(m.author_id, ()),
            created=m.created,
            offset=m.offset,
        )
        for m in messages
    ]


def history(*, channel: Channel) -> list[dict[str, Any]]:
    """Return the last messages as frames, oldest first (sent once to a socket that joins)."""
    latest = list(visible_messages(channel=channel)[:HISTORY_MESSAGES])
    latest.reverse()
    return as_frames(channel, latest)


def replay_messages(
    *, session_id: str, start: float, after: str | None, limit: int
) -> list[ChatMessage]:
    """Return a session's shown messages from ``start`` seconds on its replay, in order.

    ``after``: the id of the last message already read at exactly ``start`` (a cursor: many
    messages may share one offset).
    """
    where = Q(offset__gt=start) | Q(offset=start, pk__gt=after) if after else Q(offset__gte=start)
    return list(
        ChatMessage.objects.filter(where, session_id=session_id, deleted=False)
        .select_related("author", "channel")
        .order_by("offset", "pk")[:limit]
    )
