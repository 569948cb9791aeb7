"""Rate limits counted in the shared cache, and the client address they count by.

Why a small limiter of our own rather than a library (both were weighed):
- django-axes locks out failed sign-ins well (and counts failures, not requests), but only
  sign-ins: sign-ups and uploads would need a second mechanism beside it. It brings its own
  middleware, authentication backend, tables and client-address reader (django-ipware, whose
  proxy count would have to be kept in step with DRF's ``NUM_PROXIES``), and it sends no
  ``Retry-After``.
- django-ratelimit counts every request a view sees; counting failed sign-ins or accepted
  uploads only means calling it twice per request, and it also sends no ``Retry-After``.
What is left once those are set aside is a fixed-window counter on Django's cache (``add``
then ``incr``), the few lines below, used the same way by every limit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.forms import BaseForm
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions, status
from rest_framework.request import Request

from config.env import parse_rate

AnyRequest = HttpRequest | Request  # DRF's request reads META through to Django's
UNITS = ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))


def clock() -> float:
    """Return the time windows are counted in: the wall clock, which every process shares."""
    return time.time()


def client_address(request: AnyRequest) -> str:
    """Return the client's address, believing ``X-Forwarded-For`` only from our own proxies.

    With ``NUM_PROXIES`` proxies in front, the last that many entries of the header were
    written by them (the first of those is the client they saw); anything before them is
    whatever the client sent. With none, the header is the client's own word: ignored. This
    is DRF's reading of the same setting, so the API's throttles and ours agree.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.NUM_PROXIES
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in str(forwarded).split(",")]
    return hops[-min(proxies, len(hops))] or remote


def address_key(address: str) -> str:
    """Return what an address is counted as: IPv6 by its /64, as one subscriber holds that."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def describe_rate(text: str) -> str:
    """Say a rate as people do: ``5/15m`` → ``5 per 15 minutes``, ``60/h`` → ``60 per hour``."""
    count, seconds = parse_rate(text)
    size, unit = next((size, unit) for size, unit in UNITS if seconds % size == 0)
    amount = seconds // size
    return f"{count} per {unit}" if amount == 1 else f"{count} per {amount} {unit}s"


def try_again(seconds: int) -> str:
    """Say when to come back, in whole minutes rounded up: ``Try again in 3 minutes.``"""
    minutes = max(1, math.ceil(seconds / 60))
    return f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class Limit:
    """At most N events per fixed window for each key (an address, a user, an account+address).

    The rate is read from the named setting each time, so tests and operators can change it.
    Windows are aligned to the clock, so a key's counter is one cache entry that expires by
    itself when its window ends, and ``Retry-After`` is exact.
    """

    def __init__(self, name: str, setting: str) -> None:
        self.name = name
        self.setting = setting

    @property
    def rate(self) -> str:
        return str(getattr(settings, self.setting))

    def _window(self) -> tuple[int, int, float]:
        """Return the limit, the current window's number and the seconds left in it."""
        count, seconds = parse_rate(self.rate)
        now = clock()
        window = int(now // seconds)
        return count, window, (window + 1) * seconds - now

    def _cache_keys(self, window: int, keys: tuple[str, ...]) -> list[str]:
        # Hashed: keys hold user-typed names (any length, any character) and cache keys
        # must stay short and plain for memcached-style backends.
        return [
            f"rl:{self.name}:{window}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
            for key in keys
        ]

    def wait(self, *keys: str) -> int:
        """Return the seconds until every key is below the limit again (0: none is at it)."""
        limit, window, left = self._window()
        counts = cache.get_many(self._cache_keys(window, keys))
        if any(int(count) >= limit for count in counts.values()):
            return max(1, math.ceil(left))
        return 0

    def hit(self, *keys: str) -> None:
        """Count one event for each key."""
        _, window, left = self._window()
        timeout = math.ceil(left) + 1  # the entry outlives its window, never the other way
        for key in self._cache_keys(window, keys):
            # Redis's INCR is atomic; Django's database cache reads then writes, so there
            # two simultaneous hits may count as one (the window still bounds the total).
            cache.add(key, 0, timeout)
            try:
                cache.incr(key)
            except ValueError:  # the entry expired between add and incr
                cache.add(key, 1, timeout)

    def reset(self, *keys: str) -> None:
        """Forget this window's count for each key."""
        _, window, _ = self._window()
        cache.delete_many(self._cache_keys(window, keys))


class Limited(exceptions.APIException):
    """An API request over a limit: 429 with ``Retry-After`` (DRF's handler adds it)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, wait: int, message: str) -> None:
        super().__init__(detail=message)
        self.wait = wait


def refuse_form(form: BaseForm, message: str) -> None:
    """Make ``form`` invalid with only ``message``, validating (and querying) nothing."""
    errors: Any = ErrorDict()
    errors[NON_FIELD_ERRORS] = form.error_class([message], error_class="nonfield")
    form._errors = errors  # type: ignore[attr-defined]  # what full_clean() would set


def too_many(response: HttpResponse, wait: int) -> HttpResponse:
    """Mark a page that shows a refusal as 429 with ``Retry-After``."""
    response.status_code = status.HTTP_429_TOO_MANY_REQUESTS
    response["Retry-After"] = str(wait)
    return response
