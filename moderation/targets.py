"""The kinds of item moderation can flag and act on, and how: registered by the apps owning them.

Moderation sits below live (config/tests/test_layers.py), so it cannot import live's models or
services: live registers its kinds (a live session, a channel, a chat message) in its
``ready()``, the catalog's videos are registered here. A target says who owns an item and
which channel it belongs to, and how to hide it, show it again and end its stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """What the queue shows about an item."""

    owner_id: int | None
    title: str
    url: str = ""
    channel_id: str | None = None


@dataclass(frozen=True)
class Target:
    kind: str  # e.g. "video", "live_session", "channel", "chat_message"
    describe: Callable[[str], Item | None]  # None: no such item (any more)
    hide: Callable[[str, str], None] | None = None  # (item id, reason shown to the owner)
    restore: Callable[[str], None] | None = None
    end_stream: Callable[[str, str], None] | None = None  # (item id, reason)
    reportable: bool = True  # viewers may report it (POST /api/reports/)
    # How viewers name an item (a channel by its slug) → its id; None: they use the id.
    resolve: Callable[[str], str | None] | None = None


_targets: dict[str, Target] = {}


class UnknownItem(LookupError):
    """No such kind, or no such item of that kind."""


def register(target: Target) -> None:
    _targets[target.kind] = target


def get(kind: str) -> Target:
    try:
        return _targets[kind]
    except KeyError:
        raise UnknownItem(f"Unknown kind of item: {kind}.") from None


def reportable_kinds() -> list[str]:
    return sorted(kind for kind, target in _targets.items() if target.reportable)
