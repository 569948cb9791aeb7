"""The policy: per label, thresholds and actions (moderation.PolicyRule rows), applied.

``decide(labels)`` returns the most severe action whose rule a label meets, and the labels
that triggered it. Rules are read from the database at most every few seconds per process
(the chat hook runs per message; a database query each time would cost more than the
classifier), and at once after an edit in this process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from moderation.backends.base import Label
from moderation.models import PolicyRule

Action = PolicyRule.Action
SEVERITY = [Action.ALLOW, Action.REVIEW, Action.HIDE, Action.END_STREAM, Action.BAN]
RULES_MAX_AGE_SECONDS = 5.0

# What a fresh install does (migration 0004_default_policy wrote these rows; operators edit
# them in the admin). Abusive chat is hidden: insults (the profanity score of a message aimed
# at someone), slurs, threats, incitement to self-harm. Plain profanity passes ("that was
# fucking awesome" is ordinary chat). Nudity in a picture is flagged from 0.5, and clear
# nudity (0.8) ends a live stream, whose replay stays private until a moderator decides.
DEFAULT_RULES: list[tuple[str, float, str]] = [
    ("insult", 0.9, Action.HIDE),
    ("hate_speech", 0.5, Action.HIDE),
    ("threat", 0.5, Action.HIDE),
    ("self_harm", 0.5, Action.HIDE),
    ("harassment", 0.8, Action.HIDE),
    ("blocked_term", 0.5, Action.HIDE),
    ("sexual", 0.9, Action.REVIEW),
    ("graphic", 0.9, Action.REVIEW),
    ("explicit_nudity", 0.5, Action.REVIEW),
    ("explicit_nudity", 0.8, Action.END_STREAM),
    ("suggestive", 0.9, Action.REVIEW),
    ("violence", 0.8, Action.REVIEW),
    ("visually_disturbing", 0.8, Action.REVIEW),
    ("drugs_tobacco", 0.8, Action.REVIEW),
    ("hate_symbols", 0.8, Action.HIDE),
]


def install_defaults() -> int:
    """Write the default rules if there are none at all (a database flushed since migrating:
    the tests do); an operator's edits are never touched. Returns how many were written."""
    if PolicyRule.objects.exists():
        return 0
    PolicyRule.objects.bulk_create(
        PolicyRule(label=label, threshold=threshold, action=action)
        for label, threshold, action in DEFAULT_RULES
    )
    rules.forget()
    return len(DEFAULT_RULES)


@dataclass(frozen=True)
class Decision:
    action: str
    triggered: tuple[Label, ...] = field(default=())

    @property
    def acts(self) -> bool:
        """Whether anything is to be done (flagged at least)."""
        return self.action != Action.ALLOW

    @property
    def blocks(self) -> bool:
        """Whether the item must not be shown (hide, end the stream, ban)."""
        return SEVERITY.index(Action(self.action)) >= SEVERITY.index(Action.HIDE)

    def reason(self) -> str:
        """A sentence for the author: which rule it broke."""
        from moderation.backends.base import LABELS

        names = [LABELS.get(label.name, label.name).lower() for label in self.triggered]
        return "It was flagged for " + ", ".join(dict.fromkeys(names)) + "." if names else ""


class _Rules:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[tuple[str, float, str]] = []
        self._loaded_at = -RULES_MAX_AGE_SECONDS

    def get(self) -> list[tuple[str, float, str]]:
        if time.monotonic() - self._loaded_at >= RULES_MAX_AGE_SECONDS:
            rows = PolicyRule.objects.filter(enabled=True).values_list(
                "label", "threshold", "action"
            )
            with self._lock:
                self._rules = list(rows)
                self._loaded_at = time.monotonic()
        return self._rules

    def forget(self) -> None:
        self._loaded_at = -RULES_MAX_AGE_SECONDS


rules = _Rules()


def decide(labels: Iterable[Label]) -> Decision:
    """The most severe action any label's rules call for (allow if none)."""
    worst = Action.ALLOW
    triggered: dict[str, Label] = {}
    by_label: dict[str, list[tuple[float, str]]] = {}
    for label, threshold, action in rules.get():
        by_label.setdefault(label, []).append((threshold, action))
    for found in labels:
        name = found.name
        for threshold, action in by_label.get(name, ()):
            if found.confidence >= threshold and action != Action.ALLOW:
                if SEVERITY.index(Action(action)) > SEVERITY.index(worst):
                    worst = Action(action)
                triggered.setdefault(name, found)
    ordered = sorted(triggered.values(), key=lambda label: -label.confidence)
    return Decision(action=worst, triggered=tuple(ordered))
