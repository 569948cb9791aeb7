"""Stream keys: random, encrypted at rest, found by a keyed hash.

The owner may read their key at any time, so it cannot be stored as a one-way hash; yet a
copy of the database alone must not reveal it. The key is therefore stored encrypted with
Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a secret that lives in the
settings, not the database, and looked up by HMAC-SHA256 under a second secret derived from
the same one: the ingest finds the channel by an indexed equality on the hash, then compares
the decrypted key with the presented one in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "live_"  # lets secret scanners and people recognise a leaked key
RANDOM_BYTES = 24  # 192 bits
MAX_KEY_CHARS = 100  # anything longer presented at ingest is refused without hashing


def _derive(info: bytes) -> bytes:
    secret = (settings.STREAM_KEY_SECRET or settings.SECRET_KEY).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


@lru_cache(maxsize=4)
def _fernet(secret_marker: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"onair stream key encryption")))


@lru_cache(maxsize=4)
def _hmac_key(secret_marker: str) -> bytes:
    return _derive(b"onair stream key lookup")


def _marker() -> str:
    # Cache per secret (tests override the settings); the marker is never stored or shown.
    return hashlib.sha256((settings.STREAM_KEY_SECRET or settings.SECRET_KEY).encode()).hexdigest()


def generate() -> str:
    """Return a new stream key with 192 bits of randomness."""
    return PREFIX + secrets.token_urlsafe(RANDOM_BYTES)


def encrypt(key: str) -> str:
    """Return the key encrypted for storage."""
    return _fernet(_marker()).encrypt(key.encode()).decode()


def decrypt(token: str) -> str:
    """Return the stored key in clear; ValueError if it was encrypted under another secret."""
    try:
        return _fernet(_marker()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the stream key was encrypted with another STREAM_KEY_SECRET") from exc


def lookup_hash(key: str) -> str:
    """Return the keyed hash the channel is found by (hex, 64 characters)."""
    return hmac.new(_hmac_key(_marker()), key.encode(), hashlib.sha256).hexdigest()


def matches(presented: str, stored_token: str) -> bool:
    """Compare a presented key with the stored one in constant time."""
    try:
        stored = decrypt(stored_token)
    except ValueError:
        return False
    return hmac.compare_digest(presented.encode(), stored.encode())


def looks_like_key(value: str) -> bool:
    """Tell whether ``value`` is worth hashing at all (bounded length, printable ASCII)."""
    return 0 < len(value) <= MAX_KEY_CHARS and value.isascii() and value.isprintable()
