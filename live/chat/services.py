"""Writes of the chat: post, delete, clear, time out and ban.

Called by the channel's socket (live/consumers.py, in a worker thread) and by the API. Each
takes the actor's ``Role`` (live/chat/roles.py) and raises ``ChatRefused`` / ``ChatNotFound``
with a sentence for them. Posting returns the message and leaves the broadcast to the socket,
which hands it to its process's hub at once (the hot path); every other change is announced on
the bus once it commits (live/chat/events.py), and bans through ``moderation.hooks``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from live.chat import events, frames, hooks, tickets
from live.chat.errors import ChatNotFound, ChatRefused
from live.chat.roles import Role, refusal_to_act, role_of
from live.models import Channel, ChatMessage, LiveSession
from live.packaging import timeline as timelines
from live.packaging.timeline import Stretch
from moderation import selectors as bans
from moderation import services as ban_services
from moderation.models import Ban

log = logging.getLogger(__name__)


def ban_notice(ban: Ban) -> str:
    """Tell a banned user what holds them out, in a sentence."""
    where = "this site" if ban.scope == Ban.Scope.SITE else "this chat"
    if ban.until is None:
        return f"You are banned from {where}."
    minutes = max(1, round((ban.until - timezone.now()).total_seconds() / 60))
    return f"You are timed out of {where} for {minutes} more minute{'s' if minutes != 1 else ''}."


def refusal_to_join(*, user_id: int, channel_id: str) -> str | None:
    """Return why a signed-in user may not open the channel's chat, or None."""
    ban = bans.ban_in_force(user_id=user_id, channel_id=channel_id)
    return ban_notice(ban) if ban is not None else None


def _live_session(channel_id: str) -> LiveSession | None:
    return (
        LiveSession.objects.filter(channel_id=channel_id)
        .exclude(status=LiveSession.Status.ENDED)
        .order_by("-started")
        .only("pk", "started")
        .first()
    )


def message_post(*, channel_id: str, author: Role, text: str) -> ChatMessage:
    """Store a message (already checked by ``frames.parse`` and the limits) if no ban and no
    hook stands in its way. The offset is the time since the session started: its place on
    the replay's timeline."""
    if author.user_id is None:
        raise ChatRefused("Sign in to chat.")
    refusal = refusal_to_join(user_id=author.user_id, channel_id=channel_id)
    if refusal:
        raise ChatRefused(refusal)
    session = _live_session(channel_id)
    draft = hooks.Draft(
        channel_id=channel_id,
        session_id=session.pk if session else None,
        user_id=author.user_id,
        username=author.username,
        text=text,
    )
    reason = hooks.objection(draft)
    if reason:
        raise ChatRefused(reason)
    now = timezone.now()
    return ChatMessage.objects.create(
        channel_id=channel_id,
        session=session,
        author_id=author.user_id,
        text=text,
        created=now,
        offset=max(0.0, (now - session.started).total_seconds()) if session else None,
    )


def _require_moderator(actor: Role) -> None:
    if not actor.moderates:
        raise ChatRefused("Only the channel's owner and moderators can do that.")


def message_delete(*, channel: Channel, actor: Role, message_id: str) -> None:
    """Delete a message from the chat (and its history and replay) for everyone."""
    _require_moderator(actor)
    with transaction.atomic():
        message = (
            ChatMessage.objects.select_for_update()
            .filter(pk=message_id, channel=channel)
            .select_related("author")
            .first()
        )
        if message is None:
            raise ChatNotFound("That message is not in this chat.")
        if message.author_id != actor.user_id:
            refusal = refusal_to_act(actor, role_of(message.author, channel))
            if refusal:
                raise ChatRefused(refusal)
        if message.deleted:
            return
        ChatMessage.objects.filter(pk=message.pk).update(
            deleted=True, deleted_at=timezone.now(), deleted_by_id=actor.user_id
        )
        events.announce(channel.pk, frames.delete_frame(message.pk))
    log.info("chat message %s deleted by user %s", message.pk, actor.user_id)


def chat_clear(*, channel: Channel, actor: Role) -> int:
    """Delete every message of the channel's chat so far; return how many."""
    _require_moderator(actor)
    with transaction.atomic():
        count = ChatMessage.objects.filter(channel=channel, deleted=False).update(
            deleted=True, deleted_at=timezone.now(), deleted_by_id=actor.user_id
        )
        events.announce(channel.pk, frames.clear_frame())
    log.info(
        "chat of channel %s cleared by user %s (%d messages)", channel.pk, actor.user_id, count
    )
    return count


def _target(channel: Channel, actor: Role, username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ChatNotFound(f"There is no user called {username[:150]!r}.")
    refusal = refusal_to_act(actor, role_of(user, channel))
    if refusal:
        raise ChatRefused(refusal)
    return user


def user_ban(
    *,
    channel: Channel,
    actor: Role,
    username: str,
    minutes: int | None = None,
    site: bool = False,
    reason: str = "",
) -> Ban:
    """Ban ``username`` from the channel's chat (``site``: from the whole site), for
    ``minutes`` (a timeout) or for good. Their open sockets close on every process."""
    _require_moderator(actor)
    if site and not actor.bans_site_wide:
        raise ChatRefused("Only site moderators can ban from the whole site.")
    target = _target(channel, actor, username)
    until: datetime | None = None
    if minutes is not None:
        until = timezone.now() + timedelta(minutes=minutes)
    actor_user = User.objects.filter(pk=actor.user_id).first() if actor.user_id else None
    return ban_services.ban_create(
        user=target,
        channel_id=None if site else channel.pk,
        until=until,
        reason=reason,
        created_by=actor_user,
    )


def ban_lift(*, channel: Channel, actor: Role, ban: Ban) -> None:
    """Lift a ban on the channel (site bans are lifted in the admin)."""
    _require_moderator(actor)
    if ban.scope != Ban.Scope.CHANNEL or ban.channel_id != channel.pk:
        raise ChatNotFound("That ban is not on this channel.")
    lifted_by = User.objects.filter(pk=actor.user_id).first() if actor.user_id else None
    ban_services.ban_lift(ban=ban, lifted_by=lifted_by)


@dataclass(frozen=True)
class Joining:
    """What a socket learns when it opens: who its user is here, and whether they may stay."""

    role: Role
    refusal: str | None  # a ban: the socket is closed with this sentence
    notice: str  # for readers who cannot write, how they could
    slow_mode_seconds: int


def join(*, channel_id: str, user: object, browser: bool, ticket: object) -> Joining:
    """Decide who a new socket speaks for. Browsers are known by their session cookie;
    clients without an Origin by a chat ticket (used up here), else they only read."""
    channel = Channel.objects.get(pk=channel_id)
    if not browser:
        user = tickets.ticket_redeem(channel_id=channel_id, ticket=ticket) if ticket else None
    role = role_of(user, channel)
    notice = ""
    if not role.signed_in:
        notice = (
            "Sign in to chat."
            if browser
            else "Read only: connect with ?ticket= from POST "
            f"/api/channels/{channel.slug}/chat-ticket/ to write."
        )
    refusal = None
    if role.user_id is not None:
        refusal = refusal_to_join(user_id=role.user_id, channel_id=channel_id)
    return Joining(role, refusal, notice, channel.chat_slow_mode_seconds)


def act(*, channel_id: str, user_id: int | None, command: frames.Command) -> None:
    """Carry out a moderator's command from the chat (its rights are read afresh: an owner
    may have removed a moderator since their socket opened)."""
    channel = Channel.objects.select_related("owner").get(pk=channel_id)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    actor = role_of(user, channel)
    if isinstance(command, frames.Delete):
        message_delete(channel=channel, actor=actor, message_id=command.id)
    elif isinstance(command, frames.Clear):
        chat_clear(channel=channel, actor=actor)
    elif isinstance(command, frames.Timeout):
        user_ban(channel=channel, actor=actor, username=command.user, minutes=command.minutes)
    elif isinstance(command, frames.Ban):
        user_ban(channel=channel, actor=actor, username=command.user, site=command.site)
    else:
        raise TypeError(f"not a moderation command: {command!r}")


def offsets_align(*, session_id: str, timeline: Sequence[Stretch]) -> int:
    """Place the session's messages exactly on its replay, once the replay is written.

    While live, a message's offset is the time since the session started; the replay starts
    with its first segment and leaves out the gaps of a dropped connection, so each offset is
    recomputed from the replay's timeline. Returns how many messages moved.
    """
    messages = list(
        ChatMessage.objects.filter(session_id=session_id).only("pk", "created", "offset")
    )
    moved = []
    for message in messages:
        offset = round(timelines.replay_seconds(message.created, timeline), 3)
        if message.offset != offset:
            message.offset = offset
            moved.append(message)
    ChatMessage.objects.bulk_update(moved, ["offset"], batch_size=500)
    return len(moved)
