"""Writes of flags: what a classifier or viewers flagged, the policy's automatic actions, and a
moderator's decisions. Every action leaves a ``Decision`` row (the audit log)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.api_errors import UserFacingError
from moderation import services, targets
from moderation.backends.base import Label
from moderation.models import Ban, Decision, Flag, PolicyRule, Report
from moderation.policy import SEVERITY
from moderation.policy import Decision as PolicyDecision

log = logging.getLogger(__name__)
Action = PolicyRule.Action

REPORT_PRIORITY = 10  # each distinct reporter adds this much
UNCLASSIFIED = "unclassified"  # the label of an item a classifier could not answer for


class ModerationError(UserFacingError):
    """A request the moderation app refuses, with a sentence for the person who made it."""


def _priority(action: str, score: float) -> int:
    return SEVERITY.index(Action(action)) * 100 + round(score * 99)


def _log(
    flag: Flag | None, action: str, actor: User | None, note: str = "", ban: Ban | None = None
) -> None:
    Decision.objects.create(flag=flag, ban=ban, action=action, actor=actor, note=note[:500])


def _labels_json(labels: Sequence[Label]) -> list[dict[str, object]]:
    return [{"name": x.name, "confidence": x.confidence, "detail": x.detail} for x in labels]


def flag_from_model(
    *,
    kind: str,
    item_id: str,
    labels: Sequence[Label],
    decision: PolicyDecision,
    evidence_image: str = "",
    evidence_text: str = "",
    owner_id: int | None = None,
    channel_id: str | None = None,
    title: str = "",
) -> Flag:
    """Record what a classifier found and carry out the policy's action on the item.

    hide: the item is hidden (the owner is told why); end_stream: also the live stream ends;
    ban: also the owner is banned from the whole site. The flag stays open for a moderator.
    """
    target = targets.get(kind)
    known = owner_id is not None and channel_id is not None and title
    item = None if known else target.describe(item_id)  # the chat hook knows it all: no query
    if item is not None:
        owner_id = item.owner_id if owner_id is None else owner_id
        channel_id = item.channel_id if channel_id is None else channel_id
        title = title or item.title
    top = decision.triggered[0] if decision.triggered else (labels[0] if labels else None)
    reason = decision.reason()
    with transaction.atomic():
        flag = Flag.objects.create(
            item_kind=kind,
            item_id=item_id,
            item_title=title[:300],
            source=Flag.Source.MODEL,
            owner_id=owner_id,
            channel_id=channel_id,
            labels=_labels_json(labels),
            top_label=top.name if top else "",
            score=top.confidence if top else 0,
            action=decision.action,
            evidence_image=evidence_image,
            evidence_text=evidence_text[:2000],
            reason=reason,
            priority=_priority(decision.action, top.confidence if top else 0),
        )
        _log(flag, f"auto_{decision.action}", None, reason)
    _carry_out(flag, target, decision.action, reason, actor=None)
    return flag


def flag_unclassified(
    *, kind: str, item_id: str, problem: str, evidence_image: str = "", evidence_text: str = ""
) -> Flag:
    """The classifier could not answer: the item goes to review, never silently approved."""
    target = targets.get(kind)
    item = target.describe(item_id)
    with transaction.atomic():
        flag = Flag.objects.create(
            item_kind=kind,
            item_id=item_id,
            item_title=(item.title if item else "")[:300],
            source=Flag.Source.MODEL,
            owner_id=item.owner_id if item else None,
            channel_id=item.channel_id if item else None,
            top_label=UNCLASSIFIED,
            action=Action.REVIEW,
            evidence_image=evidence_image,
            evidence_text=evidence_text[:2000],
            priority=_priority(Action.REVIEW, 0.5),
        )
        _log(flag, "unclassified", None, problem)
    return flag


def _carry_out(
    flag: Flag, target: targets.Target, action: str, reason: str, actor: User | None
) -> None:
    """Do what ``action`` means to the item (after the flag is saved; each step logged)."""
    severity = SEVERITY.index(Action(action))
    if severity >= SEVERITY.index(Action.END_STREAM) and target.end_stream:
        target.end_stream(flag.item_id, reason)
    if severity >= SEVERITY.index(Action.HIDE) and target.hide:
        target.hide(flag.item_id, reason)
    if action == Action.BAN and flag.owner_id:
        owner = User.objects.filter(pk=flag.owner_id).first()
        if owner is not None:
            ban = services.ban_create(
                user=owner, channel_id=None, until=None, reason=reason, created_by=actor
            )
            _log(flag, "ban", actor, reason, ban=ban)


def report(
    *, reporter: User, kind: str, item_id: str, reason: str, note: str = ""
) -> tuple[Flag, bool]:
    """File a viewer's report; returns (the open report flag, whether this report is new).

    One open report flag per item collects every report; each distinct reporter raises its
    priority, and one viewer reporting the same item twice counts once.
    """
    target = targets.get(kind)
    if not target.reportable:
        raise targets.UnknownItem(f"Items of kind {kind} cannot be reported.")
    if target.resolve is not None:
        item_id = target.resolve(item_id) or ""
    item = target.describe(item_id) if item_id else None
    if item is None:
        raise targets.UnknownItem("There is no such item to report.")
    if item.owner_id == reporter.pk:
        raise ModerationError("You cannot report your own content.")
    existing = Report.objects.filter(item_kind=kind, item_id=item_id, reporter=reporter).first()
    if existing is not None:
        return existing.flag, False
    try:
        with transaction.atomic():
            flag, _ = Flag.objects.get_or_create(
                item_kind=kind,
                item_id=item_id,
                source=Flag.Source.REPORT,
                status=Flag.Status.OPEN,
                defaults={
                    "item_title": item.title[:300],
                    "owner_id": item.owner_id,
                    "channel_id": item.channel_id,
                    "action": Action.REVIEW,
                    "top_label": reason,
                },
            )
            Report.objects.create(
                flag=flag,
                item_kind=kind,
                item_id=item_id,
                reporter=reporter,
                reason=reason,
                note=note[:500],
            )
            Flag.objects.filter(pk=flag.pk).update(
                reports=F("reports") + 1, priority=F("priority") + REPORT_PRIORITY
            )
    except IntegrityError:  # the same viewer's second click raced the first
        existing = Report.objects.filter(item_kind=kind, item_id=item_id, reporter=reporter).first()
        if existing is None:
            raise
        return existing.flag, False
    flag.refresh_from_db()
    return flag, True


def _decide(flag: Flag, status: str, actor: User, action: str, note: str) -> None:
    with transaction.atomic():
        updated = Flag.objects.filter(pk=flag.pk).update(
            status=status, decided_by=actor, decided_at=timezone.now()
        )
        if updated:
            _log(flag, action, actor, note)
    flag.refresh_from_db()


def flag_uphold(*, flag: Flag, actor: User, note: str = "") -> None:
    """The flag was right: the item stays (or becomes) hidden."""
    target = targets.get(flag.item_kind)
    if target.hide and not SEVERITY.index(Action(flag.action)) >= SEVERITY.index(Action.HIDE):
        target.hide(flag.item_id, note or flag.reason or "A moderator removed it.")
    _decide(flag, Flag.Status.UPHELD, actor, "uphold", note)


def flag_dismiss(*, flag: Flag, actor: User, note: str = "") -> None:
    """The flag was wrong: an item the policy hid is shown again."""
    target = targets.get(flag.item_kind)
    if target.restore and SEVERITY.index(Action(flag.action)) >= SEVERITY.index(Action.HIDE):
        target.restore(flag.item_id)
    _decide(flag, Flag.Status.DISMISSED, actor, "dismiss", note)


def flag_end_stream(*, flag: Flag, actor: User, note: str = "") -> None:
    target = targets.get(flag.item_kind)
    if target.end_stream is None:
        raise ModerationError("This item has no live stream to end.")
    target.end_stream(flag.item_id, note or "A moderator ended the stream.")
    _decide(flag, Flag.Status.UPHELD, actor, "end_stream", note)


def flag_ban(*, flag: Flag, actor: User, until: datetime | None = None, note: str = "") -> None:
    """Ban the item's owner from the whole site (and uphold the flag)."""
    owner = User.objects.filter(pk=flag.owner_id).first() if flag.owner_id else None
    if owner is None:
        raise ModerationError("This item has no owner to ban.")
    ban = services.ban_create(
        user=owner,
        channel_id=None,
        until=until,
        reason=note or flag.reason or "Broke the rules.",
        created_by=actor,
    )
    _log(flag, "ban", actor, note, ban=ban)
    target = targets.get(flag.item_kind)
    if target.end_stream:
        target.end_stream(flag.item_id, "The streamer was banned.")
    flag_uphold(flag=flag, actor=actor, note=note)
