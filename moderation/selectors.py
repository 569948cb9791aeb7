"""Reads of bans (which one holds a user out of a channel or the site now), flags and blocked
terms."""

from __future__ import annotations

import time

from django.db.models import Q, QuerySet
from django.utils import timezone

from moderation.models import Ban, BlockedTerm, Flag


def _in_force() -> Q:
    return Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gt=timezone.now()))


def ban_in_force(*, user_id: int, channel_id: str | None = None) -> Ban | None:
    """Return the ban that keeps ``user_id`` out of the channel (or the site) now, if any.

    A site ban applies everywhere. Of several, the one that lasts longest (a permanent one
    first) is returned: it is the one worth telling the user about.
    """
    where = Q(scope=Ban.Scope.SITE)
    if channel_id is not None:
        where |= Q(scope=Ban.Scope.CHANNEL, channel_id=channel_id)
    bans = Ban.objects.filter(_in_force(), where, user_id=user_id)
    permanent = bans.filter(until__isnull=True).order_by("-created").first()
    return permanent or bans.order_by("-until").first()


def site_banned(*, user_id: int) -> bool:
    """Tell whether ``user_id`` is banned from the whole site now."""
    return Ban.objects.filter(_in_force(), user_id=user_id, scope=Ban.Scope.SITE).exists()


def channel_bans(*, channel_id: str) -> QuerySet[Ban]:
    """Return the bans in force on a channel, newest first (site bans are not listed)."""
    return (
        Ban.objects.filter(_in_force(), scope=Ban.Scope.CHANNEL, channel_id=channel_id)
        .select_related("user", "created_by")
        .order_by("-created", "-pk")
    )


def ban_get(*, ban_id: object, channel_id: str) -> Ban | None:
    """Return one ban in force on the channel by its id."""
    if not isinstance(ban_id, int) and not (isinstance(ban_id, str) and ban_id.isdigit()):
        return None
    return channel_bans(channel_id=channel_id).filter(pk=int(ban_id)).first()


# --- flags and blocked terms ---

BLOCKING_ACTIONS = ("hide", "end_stream", "ban")
TERMS_MAX_AGE_SECONDS = 5.0
_terms_cache: dict[str | None, tuple[float, tuple[str, ...]]] = {}


def open_hiding_flag(*, kind: str, item_id: str) -> Flag | None:
    """The open flag whose policy action hid the item, if any (its reason says why)."""
    return (
        Flag.objects.filter(
            item_kind=kind, item_id=item_id, status=Flag.Status.OPEN, action__in=BLOCKING_ACTIONS
        )
        .order_by("-created")
        .first()
    )


def blocked_terms(*, channel_id: str | None) -> tuple[str, ...]:
    """Operator-made blocked terms for a channel's chat: the site's and the channel's own.

    Read at most every few seconds per channel and process (the chat hook asks per message).
    """
    now = time.monotonic()
    cached = _terms_cache.get(channel_id)
    if cached is not None and now - cached[0] < TERMS_MAX_AGE_SECONDS:
        return cached[1]
    where = Q(channel__isnull=True)
    if channel_id is not None:
        where |= Q(channel_id=channel_id)
    terms = tuple(sorted(BlockedTerm.objects.filter(where).values_list("term", flat=True)))
    _terms_cache[channel_id] = (now, terms)
    return terms


def forget_blocked_terms() -> None:
    _terms_cache.clear()


def flags_for_owner(*, user_id: int) -> QuerySet[Flag]:
    """Flags on a person's own content that acted on it: what they are told on their pages."""
    return Flag.objects.filter(owner_id=user_id, action__in=BLOCKING_ACTIONS).order_by("-created")
