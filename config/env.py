"""The one reader of the environment: every setting that comes from outside passes here."""

from __future__ import annotations

import builtins
import re
import secrets
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
FALSE_STRINGS = ("false", "off", "no", "n", "0", "")


class ConfigurationError(ImproperlyConfigured):
    """A setting from the environment is missing or wrong."""


def fail(message: str) -> None:
    """Stop start-up with one clear line instead of a traceback deep inside Django."""
    sys.stderr.write(f"Onair configuration error: {message}\n")
    raise SystemExit(2)


class StrictEnv(environ.Env):
    """django-environ, except that a typo in a flag or an empty path stops start-up.

    Plain django-environ reads ``DJANGO_DEBUG=ture`` as false and ``MEDIA_ROOT=`` as the
    current folder, silently.
    """

    def bool(self, var: str, default: Any = environ.Env.NOTSET) -> builtins.bool:
        raw = self.ENVIRON.get(var)
        allowed = (*self.BOOLEAN_TRUE_STRINGS, *FALSE_STRINGS)
        if raw is not None and raw.strip().lower() not in allowed:
            fail(f"{var}={raw!r} is not a yes/no value; use true or false.")
        return super().bool(var, default=default)

    def path(self, var: str, default: Any = environ.Env.NOTSET, **kwargs: Any) -> Any:
        raw = self.ENVIRON.get(var)
        if raw is not None and not raw.strip():
            fail(f"{var} is set but empty; give it a folder or unset it.")
        return super().path(var, default=default, **kwargs)


env = StrictEnv()


def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    """Read an enumerated setting, refusing anything outside ``allowed``."""
    value = env.str(name, default=default).strip().lower()
    if value not in allowed:
        fail(f"{name}={value!r} is not one of {', '.join(allowed)}.")
    return value


def _whole_number(name: str, default: int) -> int:
    try:
        return env.int(name, default=default)
    except (ValueError, environ.ImproperlyConfigured):
        fail(f"{name} must be a whole number, got {env.str(name)!r}.")
        raise  # unreachable: fail() exits


def positive_int(name: str, default: int) -> int:
    """Read a whole number greater than zero."""
    value = _whole_number(name, default)
    if value <= 0:
        fail(f"{name} must be greater than zero, got {value}.")
    return value


def non_negative_int(name: str, default: int) -> int:
    """Read a whole number, zero or more (zero usually turns something off)."""
    value = _whole_number(name, default)
    if value < 0:
        fail(f"{name} must be zero or more, got {value}.")
    return value


RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$", re.I)
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, int]:
    """Parse ``"5/15m"`` (or ``"60/hour"``) into (count, window seconds); ValueError if not."""
    match = RATE.match(text)
    if not match or int(match[1]) < 1 or match[2] == "0":
        raise ValueError(f"{text!r} is not a rate such as 5/15m, 60/h or 100/day")
    return int(match[1]), int(match[2] or 1) * UNIT_SECONDS[match[3][0].lower()]


def rate(name: str, default: str) -> str:
    """Read a rate limit such as ``5/15m`` (at most 5 in each 15-minute window)."""
    value = env.str(name, default=default)
    try:
        parse_rate(value)
    except ValueError as exc:
        fail(f"{name}: {exc}.")
    return value.strip()


def optional_positive_int(name: str) -> int | None:
    """Read a whole number greater than zero, or None when the variable is unset or empty."""
    if not env.str(name, default="").strip():
        return None
    return positive_int(name, 1)


def database(default_url: str) -> dict[str, object]:
    """Read ``DATABASE_URL``; only SQLite and PostgreSQL are supported."""
    url = env.str("DATABASE_URL", default=default_url)
    try:
        with warnings.catch_warnings():  # an unknown scheme is reported below, in one line
            warnings.simplefilter("ignore")
            config = environ.Env.db_url_config(url)
    except Exception as exc:  # django-environ raises several kinds on a malformed URL
        fail(f"DATABASE_URL={url!r} is not a database URL ({exc}).")
        raise
    engine = str(config.get("ENGINE", ""))
    if engine not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
        fail(f"DATABASE_URL must be sqlite:/// or postgres://, got {url.split(':')[0]!r}.")
    return config


def secret_key(required: bool) -> str:
    """Return ``DJANGO_SECRET_KEY``, or in development one generated once into ``var/``."""
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    if required:
        fail("DJANGO_SECRET_KEY must be set in production.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def media_origin(custom_domain: str | None, endpoint_url: str | None, bucket: str) -> str:
    """Return the origin browsers load S3 media from (CloudFront, a custom endpoint or AWS)."""
    if custom_domain:
        return f"https://{custom_domain.strip('/')}"
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return f"{parts.scheme}://{parts.netloc}"
    return f"https://{bucket}.s3.amazonaws.com"
