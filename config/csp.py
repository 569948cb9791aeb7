"""Content-Security-Policy additions for pages that show the media player."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from csp.decorators import csp_update

from config.env import BASE_DIR

# Written by `make assets` (scripts/csp-style-hashes.mjs) next to the player bundle.
STYLE_HASHES_FILE = BASE_DIR / "build" / "csp-style-hashes.json"

logger = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])


@cache
def player_style_sources() -> tuple[str, ...]:
    """Return the ``'sha256-…'`` sources of the player components' shadow-DOM styles."""
    try:
        sources = json.loads(STYLE_HASHES_FILE.read_text())
    except FileNotFoundError:
        logger.warning("%s is missing (run `make assets`): players are unstyled", STYLE_HASHES_FILE)
        return ()
    return tuple(sources)


def allow_player_styles(view: View) -> View:
    """Let ``view``'s pages apply the player's shadow-DOM <style> elements, by hash only.

    The site-wide ``style-src`` stays ``'self'``: only pages that show a player list the
    hashes (about 40 of them, 2 KB of header that other responses need not carry).
    """
    return csp_update({"style-src": list(player_style_sources())})(view)  # type: ignore[return-value]
