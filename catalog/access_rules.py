"""Who may fetch a stored file: rules by name prefix, read by the media view.

The catalog's videos are here; other apps add theirs in their ``ready()`` (the live app's
sessions under ``live/``), so the catalog never imports them (config/tests/test_layers.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from catalog import selectors
from catalog.selectors import MediaAccess

AccessRule = Callable[[str], MediaAccess | None]  # None: nobody's file (a 404)

_VIDEO_FILE = re.compile(r"^videos/([^/]+)/")
_RULES: dict[str, AccessRule] = {}


def register(prefix: str, rule: AccessRule) -> None:
    """Have files under ``prefix`` (e.g. ``"live/"``) checked with ``rule(name)``."""
    _RULES[prefix] = rule


def rule_for(name: str) -> AccessRule | None:
    """Return the rule for ``name``; None: the file belongs to nothing and is public."""
    return next((rule for prefix, rule in _RULES.items() if name.startswith(prefix)), None)


def _video_access(name: str) -> MediaAccess | None:
    match = _VIDEO_FILE.match(name)
    return selectors.video_media_access(video_id=match.group(1)) if match else None


register("videos/", _video_access)
