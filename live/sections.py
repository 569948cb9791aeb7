"""What the live app adds to other apps' pages: the channels live now, above the catalog."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from live import selectors

HOME_LIVE_CHANNELS = 4  # one row on a desktop screen


def live_now(request: HttpRequest) -> dict[str, Any] | None:
    """Return the context of the home page's "Live now" row, or None when nobody is live."""
    channels = selectors.channels_live_now(limit=HOME_LIVE_CHANNELS + 1)
    if not channels:
        return None
    return {
        "cards": selectors.channel_cards(channels[:HOME_LIVE_CHANNELS]),
        "more": len(channels) > HOME_LIVE_CHANNELS,
        "list_url": reverse("live:channels"),
    }
