"""The checks every chat message passes before it is broadcast.

A hook is a callable taking a ``Draft`` and returning ``None`` (let it through) or a sentence
telling the sender why it is refused, which they receive as an ``error`` frame. Register one
with ``register_message_hook`` (the AI moderation app does in its ``ready``). Hooks run in a
worker thread, so they may use the database or a model; they run in the order registered and
the first refusal wins.

A hook that raises is logged and skipped: a broken classifier must not silence every chat on
the site (the choice a platform makes between an outage and an unchecked message; the
moderation issue's classifiers also review what was let through).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """A message about to be posted."""

    channel_id: str
    session_id: str | None
    user_id: int
    username: str
    text: str


MessageHook = Callable[[Draft], str | None]

_hooks: list[MessageHook] = []


def register_message_hook(hook: MessageHook) -> None:
    """Run ``hook`` on every message from now on (registering twice runs it once)."""
    if hook not in _hooks:
        _hooks.append(hook)


def unregister_message_hook(hook: MessageHook) -> None:
    """Stop running ``hook`` (nothing if it was not registered)."""
    if hook in _hooks:
        _hooks.remove(hook)


def objection(draft: Draft) -> str | None:
    """Return the first hook's reason to refuse ``draft``, or None if every hook lets it pass."""
    for hook in list(_hooks):
        try:
            reason = hook(draft)
        except Exception:
            log.exception("Chat message hook %r failed; the message was not checked by it", hook)
            continue
        if reason:
            return str(reason)
    return None
