"""Writes of live channels: channels, stream keys and moderators (sessions: live/sessions.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from catalog import storage
from catalog.models import Video
from live import details, images, keys
from live.backends import get_backend
from live.backends.base import LiveBackend
from live.chat import events as chat_events
from live.errors import (
    ChannelIsLive,
    ChannelLimitReached,
    InvalidChannel,
    NotLive,
    NotProvisioned,
    ProvisioningFailed,
)
from live.models import SLUG_MAX_CHARS, SLUG_MIN_CHARS, Channel, ChannelModerator, LiveSession
from live.selectors import open_session
from live.streamers import make_streamer

log = logging.getLogger(__name__)

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# Words a channel may not take: they name pages or would pass for the platform itself.
_RESERVED = """
    admin api accounts account live me media static music upload uploads videos video channels
    channel login logout signup settings help support about onair root staff moderator
    moderation www ws healthz readyz new edit
"""
RESERVED_SLUGS = frozenset(_RESERVED.split())
EDITABLE_FIELDS = (
    "title",
    "description",
    "tags",
    "replay_visibility",
    "chat_slow_mode_seconds",
    "avatar",
    "offline_image",
)
IMAGE_FIELDS = ("avatar", "offline_image")
# Provisioning takes seconds (a new recording configuration up to half a minute): one
# "provisioning" for longer than this was cut short, and an operator may run it again.
PROVISIONING_STALE = timedelta(minutes=10)
MODERATORS_MAX = 50  # per channel: the owner's trusted few, and a bounded list in the API


def check_slug(slug: str) -> str:
    """Return ``slug`` if a channel may take it, else raise InvalidChannel saying why."""
    if not isinstance(slug, str) or not SLUG_MIN_CHARS <= len(slug) <= SLUG_MAX_CHARS:
        raise InvalidChannel(
            f"A channel address has {SLUG_MIN_CHARS} to {SLUG_MAX_CHARS} characters.",
            field="slug",
        )
    if not SLUG.fullmatch(slug):
        raise InvalidChannel(
            "A channel address uses lowercase letters, digits and hyphens, and starts and "
            "ends with a letter or digit.",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise InvalidChannel(f"“{slug}” is reserved; choose another channel address.", "slug")
    return slug


def channel_create(
    *,
    owner: User,
    slug: str,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    backend_name: str | None = None,
) -> Channel:
    """Create a channel with its first stream key, within the owner's channel limit.

    The owner's first channel makes them a streamer: they may sign in to the admin, where
    they see their own channels, sessions and replays (live/streamers.py says why that is safe).
    ``backend_name`` (an operator's choice) overrides the site's LIVE_BACKEND. A remote
    backend (IVS) is provisioned after the row commits, or waits for an operator's approval
    (IVS_REQUIRE_APPROVAL); a failure leaves the channel in the "failed" state, saying why.
    """
    check_slug(slug)
    cleaned = details.clean({"title": title, "description": description, "tags": list(tags)})
    limit = settings.LIVE_CHANNELS_PER_USER
    backend = get_backend(backend_name)
    with transaction.atomic():
        # Lock the owner's row: two requests at once must not both pass the count.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        owned = Channel.objects.filter(owner=owner).count()
        if not owner.is_superuser and owned >= limit:
            raise ChannelLimitReached(
                f"You already have {limit} channels, the most one account may have. "
                "Delete one to create another."
            )
        if Channel.objects.filter(slug=slug).exists():
            raise InvalidChannel(f"The address “{slug}” is taken; choose another.", "slug")
        channel = Channel(owner=owner, slug=slug, **cleaned)
        channel.backend = backend.name
        if backend.remote:
            # A stand-in key nobody sees: the ingest refuses channels of other backends and the
            # owner is shown the real key once provisioning has stored it.
            _set_key(channel, keys.generate())
            approval = settings.IVS_REQUIRE_APPROVAL and not owner.is_superuser
            channel.provisioning = (
                Channel.Provisioning.AWAITING_APPROVAL
                if approval
                else Channel.Provisioning.PROVISIONING
            )
            channel.provisioning_started = None if approval else timezone.now()
        else:
            provisioned = backend.provision(channel_id=channel.pk)
            channel.backend_ref = provisioned.backend_ref
            _set_key(channel, provisioned.stream_key)
        try:
            with transaction.atomic():
                channel.save(force_insert=True)
        except IntegrityError as exc:  # the same slug created a moment ago
            raise InvalidChannel(f"The address “{slug}” is taken; choose another.", "slug") from exc
        if owned == 0:
            make_streamer(owner)
    if channel.provisioning == Channel.Provisioning.PROVISIONING:
        _provision(backend, channel)
    return channel


def _provision(backend: LiveBackend, channel: Channel) -> None:
    """Create the channel's resources at the backend (no transaction open meanwhile)."""
    try:
        provisioned = backend.provision(channel_id=channel.pk)
    except ProvisioningFailed as exc:
        Channel.objects.filter(pk=channel.pk).update(
            provisioning=Channel.Provisioning.FAILED, provisioning_detail=str(exc)
        )
        channel.provisioning, channel.provisioning_detail = Channel.Provisioning.FAILED, str(exc)
        return
    with transaction.atomic():
        locked = Channel.objects.select_for_update().filter(pk=channel.pk).first()
        if locked is not None:
            _set_key(locked, provisioned.stream_key)
            locked.backend_ref = provisioned.backend_ref
            locked.backend_data = provisioned.data
            locked.provisioning = Channel.Provisioning.READY
            locked.provisioning_detail = ""
            locked.save(
                update_fields=[
                    "stream_key_encrypted", "stream_key_hash", "backend_ref", "backend_data",
                    "provisioning", "provisioning_detail",
                ]
            )  # fmt: skip
    if locked is None:  # deleted while IVS was creating its resources: delete those too
        channel.backend_ref, channel.backend_data = provisioned.backend_ref, provisioned.data
        backend.deprovision(channel)
        return
    for name in ("stream_key_encrypted", "stream_key_hash", "backend_ref", "backend_data"):
        setattr(channel, name, getattr(locked, name))
    channel.provisioning, channel.provisioning_detail = Channel.Provisioning.READY, ""
    log.info("channel %s provisioned at %s", channel.pk, backend.name)


def channel_provision(*, channel: Channel) -> Channel:
    """Provision a channel awaiting approval or whose provisioning failed (an operator's
    action); a channel already provisioned, or being provisioned for less than
    ``PROVISIONING_STALE`` (after that, its process must have died), is left as it is."""
    now = timezone.now()
    waiting = Q(
        provisioning__in=(Channel.Provisioning.AWAITING_APPROVAL, Channel.Provisioning.FAILED)
    )
    stuck = Q(provisioning=Channel.Provisioning.PROVISIONING) & (
        Q(provisioning_started__isnull=True) | Q(provisioning_started__lt=now - PROVISIONING_STALE)
    )
    claimed = Channel.objects.filter(waiting | stuck, pk=channel.pk).update(
        provisioning=Channel.Provisioning.PROVISIONING, provisioning_detail="",
        provisioning_started=now,
    )  # fmt: skip
    channel.refresh_from_db()
    if claimed:
        _provision(get_backend(channel.backend), channel)
    return channel


def _checked_image(name: str, value: IO[Any] | images.CheckedImage) -> images.CheckedImage:
    return value if isinstance(value, images.CheckedImage) else images.check(value, kind=name)


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def channel_update(*, channel: Channel, **fields: Any) -> Channel:
    """Change a channel's details (``EDITABLE_FIELDS``); a refusal stores and changes nothing.

    ``avatar`` and ``offline_image`` take a file (or an image already checked by a form) to
    replace the current one, or ``None`` to remove it; replaced files go after the commit.
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise TypeError(f"channel_update() got unknown fields: {', '.join(unknown)}")
    values: dict[str, Any] = details.clean(fields)
    # Every image is checked before any is stored, so one bad file leaves no other behind.
    checked = {
        name: _checked_image(name, fields[name])
        for name in IMAGE_FIELDS
        if fields.get(name) is not None
    }
    values |= {name: "" for name in IMAGE_FIELDS if name in fields and fields[name] is None}
    stored: list[str] = []
    try:
        for name, image in checked.items():
            values[name] = images.store(channel_id=channel.pk, image=image)
            stored.append(values[name])
        if values:
            with transaction.atomic():
                locked = Channel.objects.select_for_update().get(pk=channel.pk)
                replaced = [
                    old
                    for name in IMAGE_FIELDS
                    if name in values and (old := getattr(locked, name).name)
                ]
                slow_mode_was = locked.chat_slow_mode_seconds
                for name, value in values.items():
                    setattr(locked, name, value)
                locked.save(update_fields=list(values))
                transaction.on_commit(lambda: _delete_files(replaced), robust=True)
                if locked.chat_slow_mode_seconds != slow_mode_was:
                    chat_events.announce_slow_mode(channel.pk, locked.chat_slow_mode_seconds)
    except BaseException:
        _delete_files(stored)
        raise
    for name, value in values.items():
        setattr(channel, name, value)
    return channel


def _after_channel_delete(
    backend: LiveBackend, channel: Channel, session: LiveSession | None, thumbnail: str
) -> None:
    if session is not None:
        backend.end_session(session, reason=LiveSession.EndReason.ENDED_BY_OWNER)
    storage.delete_prefix(images.prefix(channel.pk))
    if thumbnail and not Video.objects.filter(poster_path=thumbnail).exists():
        default_storage.delete(thumbnail)  # unless a replay took it for its poster
    backend.deprovision(channel)


def channel_delete(*, channel: Channel, end_live: bool = False) -> None:
    """Delete a channel with its sessions and moderators; after commit, its images.

    A live channel is refused (ChannelIsLive) unless ``end_live``: then its stream is ended
    too (account deletion). Replays stay: they are videos of the owner, listed on
    /me/videos/, possibly public and shared; deleting a channel (to rename it, say) must not
    silently destroy hours of recordings. The owner deletes them there like any video.
    """
    backend = get_backend(channel.backend)
    with transaction.atomic():
        locked = Channel.objects.select_for_update().filter(pk=channel.pk).first()
        if locked is None:
            return  # deleted a moment ago
        session = open_session(locked)
        if (session is not None or locked.is_live) and not end_live:
            raise ChannelIsLive(
                f"“{locked.title}” is live: end the stream before deleting the channel."
            )
        thumbnail = locked.thumbnail_path
        locked.delete()
        locked.pk = channel.pk  # delete() clears it; the cleanup names the channel by it
        transaction.on_commit(
            lambda: _after_channel_delete(backend, locked, session, thumbnail), robust=True
        )
    log.info("channel %s deleted", channel.pk)


def user_channels_delete(*, user: User) -> None:
    """Delete every channel of ``user``, ending their streams (account deletion)."""
    for channel in Channel.objects.filter(owner_id=user.pk):
        channel_delete(channel=channel, end_live=True)


def _set_key(channel: Channel, key: str) -> None:
    channel.stream_key_encrypted = keys.encrypt(key)
    channel.stream_key_hash = keys.lookup_hash(key)


def _require_provisioned(channel: Channel) -> None:
    if channel.provisioning != Channel.Provisioning.READY:
        detail = f" {channel.provisioning_detail}" if channel.provisioning_detail else ""
        raise NotProvisioned(
            f"This channel has no stream key yet: {channel.get_provisioning_display().lower()}."
            f"{detail}"
        )


def stream_key(channel: Channel) -> str:
    """Return the channel's current stream key in clear (for its owner only)."""
    _require_provisioned(channel)
    return keys.decrypt(channel.stream_key_encrypted)


def stream_key_rotate(*, channel: Channel) -> str:
    """Give the channel a new key; the old one stops working and a session on it ends."""
    _require_provisioned(channel)
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
    """Appoint ``user`` a moderator of ``channel`` (idempotent), up to ``MODERATORS_MAX``."""
    if user.pk == channel.owner_id:
        raise InvalidChannel("The owner already moderates their own channel.", "username")
    with transaction.atomic():
        # Lock the channel: two appointments at once must not both pass the count.
        Channel.objects.select_for_update().filter(pk=channel.pk).values_list("pk").first()
        existing = ChannelModerator.objects.filter(channel=channel, user=user).first()
        if existing is not None:
            return existing
        if ChannelModerator.objects.filter(channel=channel).count() >= MODERATORS_MAX:
            raise InvalidChannel(
                f"A channel has at most {MODERATORS_MAX} moderators; remove one first.",
                "username",
            )
        return ChannelModerator.objects.create(channel=channel, user=user)


def moderator_remove(*, channel: Channel, user: User) -> None:
    """Take ``user``'s moderator role on ``channel`` away (nothing if they had none)."""
    ChannelModerator.objects.filter(channel=channel, user=user).delete()


def session_request_end(*, channel: Channel, reason: str) -> None:
    """Ask the backend to stop the channel's live session (the owner's or staff's "end")."""
    session = open_session(channel)
    if session is None:
        raise NotLive("The channel is not live.")
    get_backend(channel.backend).end_session(session, reason=reason)
