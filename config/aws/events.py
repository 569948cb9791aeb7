"""EventBridge events delivered to the site (EventBridge → SNS → the signed webhook).

Apps register a handler per event `source` and `detail-type` in their AppConfig.ready(); the
webhook (after verifying the SNS signature) calls `dispatch` with the event as AWS sent it. A
registry keeps config free of imports from the apps above it (catalog, live).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
Handler = Callable[[Event], None]

_handlers: dict[tuple[str, str], Handler] = {}


class UnknownEvent(LookupError):
    """No handler is registered for the event's source and detail-type."""


class BadEvent(ValueError):
    """A handler found the event malformed: delivering it again cannot help (the webhook
    answers 400). Any other error from a handler answers 500, so that SNS retries."""


def register_event_handler(source: str, detail_type: str, handler: Handler) -> None:
    """Route events with this `source` (e.g. "aws.mediaconvert") and `detail-type`."""
    key = (source, detail_type)
    if key in _handlers and _handlers[key] is not handler:
        raise ValueError(f"A handler for {source} / {detail_type} is already registered.")
    _handlers[key] = handler


def dispatch(event: Event) -> None:
    """Hand one EventBridge event to its handler; UnknownEvent if nobody handles it."""
    key = (str(event.get("source", "")), str(event.get("detail-type", "")))
    handler = _handlers.get(key)
    if handler is None:
        raise UnknownEvent(f"No handler for {key[0]} / {key[1]}.")
    handler(event)
