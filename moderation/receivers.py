"""How moderation plugs into the apps below it (wired in ModerationConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import formats

from moderation import selectors
from moderation.policy import rules


def ban_refusal(user: Any) -> str | None:
    """accounts.restrictions check: a site-banned user may not create or change content."""
    ban = selectors.ban_in_force(user_id=user.pk)
    if ban is None:
        return None
    until = (
        f"until {formats.date_format(ban.until, 'DATETIME_FORMAT')} UTC"
        if ban.until
        else "permanently"
    )
    reason = f" Reason: {ban.reason}" if ban.reason else ""
    return f"Your account is banned from this site {until}.{reason}"


def video_published(sender: Any, *, video_id: str, kind: str, **_: Any) -> None:
    """Check a newly published upload on the fast queue (replays were watched while live)."""
    from django_q.tasks import async_task

    from catalog.models import Video

    if kind == Video.Kind.REPLAY:
        return
    transaction.on_commit(
        lambda: async_task("moderation.uploads.classify_video", video_id, cluster="live"),
        robust=True,
    )


def policy_changed(**_: Any) -> None:
    """An operator edited the policy: this process reads it again now (others within 5 s)."""
    rules.forget()


def terms_changed(**_: Any) -> None:
    """An operator or streamer edited blocked terms: read them again now in this process."""
    selectors.forget_blocked_terms()
