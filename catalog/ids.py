"""Opaque public ids: short, URL-safe, unguessable (no sequential integers in URLs)."""

import re
import secrets


def new_public_id() -> str:
    """Return a new 11-character URL-safe id (66 random bits)."""
    return secrets.token_urlsafe(8)[:11]


ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def looks_like_id(value: object) -> bool:
    """Tell whether ``value`` could be a public id (keeps NULs and junk away from the DB)."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None
