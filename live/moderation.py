"""AI moderation of live channels: the chat hook, live pictures, and what moderation may do here.

Moderation sits below live, so live plugs itself in (LiveConfig.ready): it registers its kinds
of item (a live session, a channel, a chat message, a refused chat text) with
``moderation.targets``, the text classifier as the chat's message hook, and a task per live
thumbnail (the 60 s sampler's ``thumbnail_captured``) on the fast "live" queue.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from catalog import services as catalog_services
from live import selectors
from live.backends import get_backend
from live.chat import events, frames
from live.chat.hooks import Draft
from live.models import Channel, ChatMessage, LiveSession
from moderation import flags, policy, targets
from moderation import selectors as moderation_selectors
from moderation.backends import get_classifier
from moderation.backends.base import ClassifierUnavailable
from moderation.uploads import save_evidence

log = logging.getLogger(__name__)

SESSION, CHANNEL, MESSAGE, CHAT_TEXT = "live_session", "channel", "chat_message", "chat_text"


# --- a live session: its stream can be ended, its replay held ---


def _session(session_id: str) -> LiveSession | None:
    return LiveSession.objects.select_related("channel", "replay").filter(pk=session_id).first()


def _describe_session(session_id: str) -> targets.Item | None:
    session = _session(session_id)
    if session is None:
        return None
    channel = session.channel
    title = f"{channel.title} (live {session.started:%Y-%m-%d %H:%M} UTC)"
    url = reverse("live:channel", args=[channel.slug])
    return targets.Item(owner_id=channel.owner_id, title=title, url=url, channel_id=channel.pk)


def _hold_replay(session_id: str, reason: str) -> None:
    session = _session(session_id)
    if session is not None and session.replay is not None:
        catalog_services.video_hold(video=session.replay, reason=reason)
    # No replay yet: replay_publish holds it when it appears (replay_hold_reason).


def _release_replay(session_id: str) -> None:
    session = _session(session_id)
    if session is not None and session.replay is not None:
        catalog_services.video_release(video=session.replay)


def _end_session(session_id: str, reason: str) -> None:
    session = _session(session_id)
    if session is None or session.status == LiveSession.Status.ENDED:
        return
    get_backend(session.channel.backend).end_session(
        session, reason=LiveSession.EndReason.MODERATION
    )
    text = "Moderation ended this stream. " + reason if reason else "Moderation ended this stream."
    events.announce(session.channel_id, frames.moderation_frame(text))  # sent after commit
    log.info("live session %s ended by moderation: %s", session_id, reason)


def replay_hold_reason(session_id: str) -> str:
    """Why a replay being published must start private ("" if it need not)."""
    flag = moderation_selectors.open_hiding_flag(kind=SESSION, item_id=session_id)
    return (flag.reason or "Held for review.") if flag else ""


# --- a channel (viewers report it; moderators end its stream) ---


def _describe_channel(channel_id: str) -> targets.Item | None:
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        return None
    url = reverse("live:channel", args=[channel.slug])
    return targets.Item(
        owner_id=channel.owner_id, title=channel.title, url=url, channel_id=channel.pk
    )


def _end_channel_stream(channel_id: str, reason: str) -> None:
    channel = Channel.objects.filter(pk=channel_id).first()
    session = selectors.open_session(channel) if channel else None
    if session is not None:
        _end_session(session.pk, reason)


# --- chat messages (reported by viewers) and refused chat texts (flagged by the hook) ---


def _message(message_id: str) -> ChatMessage | None:
    return ChatMessage.objects.select_related("channel").filter(pk=message_id).first()


def _describe_message(message_id: str) -> targets.Item | None:
    message = _message(message_id)
    if message is None:
        return None
    url = reverse("live:channel", args=[message.channel.slug])
    return targets.Item(
        owner_id=message.author_id, title=message.text[:300], url=url, channel_id=message.channel_id
    )


def _hide_message(message_id: str, reason: str) -> None:
    message = _message(message_id)
    if message is None or message.deleted:
        return
    ChatMessage.objects.filter(pk=message.pk).update(deleted=True, deleted_at=timezone.now())
    events.announce(message.channel_id, frames.delete_frame(message.pk))


def _restore_message(message_id: str) -> None:
    ChatMessage.objects.filter(pk=message_id, deleted_by__isnull=True).update(
        deleted=False, deleted_at=None
    )


def _describe_chat_text(channel_id: str) -> targets.Item | None:
    item = _describe_channel(channel_id)
    # The text was never posted: the flag names its author (owner) itself.
    return (
        targets.Item(owner_id=None, title=item.title, url=item.url, channel_id=channel_id)
        if item
        else None
    )


TARGETS = [
    targets.Target(
        kind=SESSION,
        describe=_describe_session,
        hide=_hold_replay,
        restore=_release_replay,
        end_stream=_end_session,
        reportable=False,
    ),
    targets.Target(
        kind=CHANNEL,
        describe=_describe_channel,
        end_stream=_end_channel_stream,
        resolve=lambda slug: Channel.objects.filter(slug=slug).values_list("pk", flat=True).first(),
    ),
    targets.Target(
        kind=MESSAGE, describe=_describe_message, hide=_hide_message, restore=_restore_message
    ),
    targets.Target(kind=CHAT_TEXT, describe=_describe_chat_text, reportable=False),
]


# --- the chat hook: every message, before it is broadcast ---


def warm_up() -> None:
    """A web process loads the text classifier at start, not on the first chat message."""
    try:
        get_classifier().warm_up(images=False)
    except Exception:  # a classifier that cannot start must not stop the site; chat says so
        log.exception("The text classifier could not be loaded at start")


def check_message(draft: Draft) -> str | None:
    """Classify the text; refuse it (with the reason) if the policy hides it."""
    terms = moderation_selectors.blocked_terms(channel_id=draft.channel_id)
    try:
        labels = get_classifier().classify_text(draft.text, channel_terms=terms)
    except ClassifierUnavailable as exc:
        flags.flag_unclassified(
            kind=CHAT_TEXT, item_id=draft.channel_id, problem=str(exc), evidence_text=draft.text
        )
        return None  # shown, and in the review queue
    decision = policy.decide(labels)
    if not decision.acts:
        return None
    flags.flag_from_model(
        kind=CHAT_TEXT,
        item_id=draft.channel_id,
        labels=labels,
        decision=decision,
        evidence_text=draft.text,
        owner_id=draft.user_id,
        channel_id=draft.channel_id,
        title=f"{draft.username}: {draft.text}",
    )
    if decision.blocks:
        return "Your message was not sent. " + decision.reason()
    return None


# --- live pictures: every thumbnail the sampler captures ---


def on_thumbnail_captured(sender: object, *, session: LiveSession, name: str, **_: Any) -> None:
    from django_q.tasks import async_task

    async_task("live.moderation.classify_thumbnail", session.pk, name, cluster="live")


def classify_thumbnail(session_id: str, name: str) -> str:
    """Classify one live picture and act on the policy (a task on the "live" cluster)."""
    if moderation_selectors.open_hiding_flag(kind=SESSION, item_id=session_id) is not None:
        return "already acted on"  # its end is on the way; one flag per session is enough
    try:
        with default_storage.open(name, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return "gone"
    try:
        labels = get_classifier().classify_image(data)
    except ClassifierUnavailable as exc:
        flags.flag_unclassified(kind=SESSION, item_id=session_id, problem=str(exc))
        return "unclassified"
    decision = policy.decide(labels)
    if not decision.acts:
        return "allowed"
    evidence = save_evidence(data, "live")
    flags.flag_from_model(
        kind=SESSION, item_id=session_id, labels=labels, decision=decision, evidence_image=evidence
    )
    return str(decision.action)
