"""Writes of bans. Who may ban whom is the caller's rule (live/chat/roles.py for the chat)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from moderation import hooks
from moderation.models import Ban

log = logging.getLogger(__name__)

REASON_MAX_CHARS = 500


def ban_create(
    *,
    user: User,
    channel_id: str | None,
    until: datetime | None,
    reason: str = "",
    created_by: User | None,
) -> Ban:
    """Ban ``user`` from the channel (or, with no channel, the site) until ``until`` (None: for
    good). Receivers of ``ban_issued`` act on it once it has committed."""
    scope = Ban.Scope.SITE if channel_id is None else Ban.Scope.CHANNEL
    with transaction.atomic():
        ban = Ban.objects.create(
            user=user,
            scope=scope,
            channel_id=channel_id,
            until=until,
            reason=reason[:REASON_MAX_CHARS],
            created_by=created_by,
        )
        transaction.on_commit(lambda: hooks.ban_issued.send(Ban, ban=ban), robust=True)
    log.info(
        "user %s banned from %s until %s by %s",
        user.pk,
        channel_id or "the site",
        until.isoformat() if until else "for good",
        created_by.pk if created_by else "the system",
    )
    return ban


def ban_lift(*, ban: Ban, lifted_by: User | None) -> None:
    """End ``ban`` now (its row stays, as the record of what happened)."""
    with transaction.atomic():
        updated = Ban.objects.filter(pk=ban.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=lifted_by
        )
        if updated:
            transaction.on_commit(lambda: hooks.ban_lifted.send(Ban, ban=ban), robust=True)
    ban.refresh_from_db()
