"""Opaque public ids: short, URL-safe, unguessable (no sequential integers in URLs)."""

import secrets


def new_public_id() -> str:
    """Return a new 11-character URL-safe id (66 random bits)."""
    return secrets.token_urlsafe(8)[:11]
