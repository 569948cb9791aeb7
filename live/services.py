"""Writes of live channels: channels, stream keys and moderators (sessions: live/sessions.py)."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from live import keys
from live.backends import get_backend
from live.errors import ChannelLimitReached, InvalidChannel, NotLive
from live.models import SLUG_MAX_CHARS, SLUG_MIN_CHARS, Channel, ChannelModerator, LiveSession

log = logging.getLogger(__name__)

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# Words a channel may not take: they name pages or would pass for the platform itself.
_RESERVED = """
    admin api accounts account live me media static music upload uploads videos video channels
    channel login logout signup settings help support about onair root staff moderator
    moderation www ws healthz readyz new edit
"""
RESERVED_SLUGS = frozenset(_RESERVED.split())


def check_slug(slug: str) -> str:
    """Return ``slug`` if a channel may take it, else raise InvalidChannel saying why."""
    if not SLUG_MIN_CHARS <= len(slug) <= SLUG_MAX_CHARS:
        raise InvalidChannel(
            f"A channel address has {SLUG_MIN_CHARS} to {SLUG_MAX_CHARS} characters."
        )
    if not SLUG.fullmatch(slug):
        raise InvalidChannel(
            "A channel address uses lowercase letters, digits and hyphens, and starts and "
            "ends with a letter or digit."
        )
    if slug in RESERVED_SLUGS:
        raise InvalidChannel(f"“{slug}” is reserved; choose another channel address.")
    return slug


def channel_create(*, owner: User, slug: str, title: str, description: str = "") -> Channel:
    """Create a channel with its first stream key, within the owner's channel limit."""
    check_slug(slug)
    limit = settings.LIVE_CHANNELS_PER_USER
    backend = get_backend()
    with transaction.atomic():
        # Lock the owner's row: two requests at once must not both pass the count.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        if not owner.is_superuser and Channel.objects.filter(owner=owner).count() >= limit:
            raise ChannelLimitReached(
                f"You already have {limit} channels, the most one account may have. "
                "Delete one to create another."
            )
        if Channel.objects.filter(slug=slug).exists():
            raise InvalidChannel(f"The address “{slug}” is taken; choose another.")
        channel = Channel(owner=owner, slug=slug, title=title, description=description)
        provisioned = backend.provision(channel_id=channel.pk)
        channel.backend = backend.name
        channel.backend_ref = provisioned.backend_ref
        _set_key(channel, provisioned.stream_key)
        try:
            with transaction.atomic():
                channel.save(force_insert=True)
        except IntegrityError as exc:  # the same slug created a moment ago
            raise InvalidChannel(f"The address “{slug}” is taken; choose another.") from exc
    return channel


def _set_key(channel: Channel, key: str) -> None:
    channel.stream_key_encrypted = keys.encrypt(key)
    channel.stream_key_hash = keys.lookup_hash(key)


def stream_key(channel: Channel) -> str:
    """Return the channel's current stream key in clear (for its owner only)."""
    return keys.decrypt(channel.stream_key_encrypted)


def stream_key_rotate(*, channel: Channel) -> str:
    """Give the channel a new key; the old one stops working and a session on it ends."""
    backend = get_backend(channel.backend)
    new_key = backend.rotate_key(channel)
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        _set_key(channel, new_key)
        channel.key_rotated_at = timezone.now()
        channel.save(update_fields=["stream_key_encrypted", "stream_key_hash", "key_rotated_at"])
        transaction.on_commit(lambda: backend.key_rotated(channel), robust=True)
    log.info("stream key rotated for channel %s", channel.pk)  # never the key itself
    return new_key


def moderator_add(*, channel: Channel, user: User) -> ChannelModerator:
    """Appoint ``user`` a moderator of ``channel`` (idempotent)."""
    if user.pk == channel.owner_id:
        raise InvalidChannel("The owner already moderates their own channel.")
    moderator, _ = ChannelModerator.objects.get_or_create(channel=channel, user=user)
    return moderator


def moderator_remove(*, channel: Channel, user: User) -> None:
    """Take ``user``'s moderator role on ``channel`` away (nothing if they had none)."""
    ChannelModerator.objects.filter(channel=channel, user=user).delete()


def session_request_end(*, channel: Channel, reason: str) -> None:
    """Ask the backend to stop the channel's live session (the owner's or staff's "end")."""
    session = (
        LiveSession.objects.filter(channel=channel)
        .exclude(status=LiveSession.Status.ENDED)
        .order_by("-started")
        .first()
    )
    if session is None:
        raise NotLive("The channel is not live.")
    get_backend(channel.backend).end_session(session, reason=reason)
