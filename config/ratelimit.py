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
then ``incr``), the few lines below, used the same way by every limit. Every event is counted
before the work it allows and given back if it turns out not to count (``reserve``), with
increments that are atomic on every backend (``_count``), so that a limit holds for requests
sent at the same instant as much as for requests sent one by one.
"""

from __future__ import annotations

import contextlib
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


def address_counter(request: AnyRequest) -> str:
    """Return the counter key of the request's client address (see ``address_key``)."""
    return f"address:{address_key(client_address(request))}"


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


# How long a counter outlives its window: a request that read the clock just before the window
# ended may still count into it, or give back, a moment later. Past its expiry Redis's INCR
# would make the entry anew with no expiry at all.
SPARE_SECONDS = 60


def _count(key: str, timeout: int) -> int:
    """Add one to a counter and return the new count, atomically on every backend we use.

    ``incr`` is Redis's ``INCR`` with ``RedisCache``, and one locked transaction with
    ``config.cache.AtomicDatabaseCache``; ``add`` creates a missing counter once, however many
    requests try at the same time (Redis ``SET NX``, a unique key in the table).
    """
    for _ in range(3):  # an entry vanishes only when a full cache evicts it
        try:
            return int(cache.incr(key))
        except ValueError:  # no counter yet in this window
            cache.add(key, 0, timeout)
    raise RuntimeError(f"The cache keeps dropping the rate-limit counter {key}.")


class Reservation:
    """One event counted ahead against some limits; parts are given back if it does not count.

    Counting *before* the work (the password check, the upload) is what makes a limit hold
    under concurrency: counting after it, N requests sent at once all pass the check before
    any of them is counted. Each request's increment sees every earlier one, finished or not.
    """

    def __init__(self, taken: dict[Limit, list[str]], over: list[tuple[Limit, int]]) -> None:
        self._taken = taken
        self.over = over  # the limits this event would exceed, with the seconds to wait
        if over:  # refused: it counts against nothing
            self.give_back()

    @property
    def wait(self) -> int:
        """Return the seconds until every limit has room again (0: the event may go ahead)."""
        return max((wait for _, wait in self.over), default=0)

    def give_back(self, *limits: Limit) -> None:
        """Uncount the event for these limits (every limit when none is named); once only."""
        for limit in limits or tuple(self._taken):
            for key in self._taken.pop(limit, ()):
                # Expired with its window (ValueError): nothing left to give back.
                with contextlib.suppress(ValueError):
                    cache.decr(key)

    def clear(self, limit: Limit) -> None:
        """Forget the whole of this window's count for the keys this event was counted under."""
        cache.delete_many(self._taken.pop(limit, []))


def reserve(*claims: tuple[Limit, tuple[str, ...]]) -> Reservation:
    """Count one event now against each limit for each of its keys, before the work it allows.

    If any count goes over its limit, the event is refused and every count is given back
    (``Reservation.wait`` says how long); else the caller gives back what turns out not to count
    (a right password, a refused upload in the accepted count, and so on).

    Never more than the limit goes ahead. With several keys to one limit (a user and an
    address), requests sent at once may be refused a little early: each key's first N need not
    be the same N requests. What they gave back is there for the next request.
    """
    taken: dict[Limit, list[str]] = {}
    over: list[tuple[Limit, int]] = []
    for limit, keys in claims:
        most, window, left = limit._window()
        timeout = math.ceil(left) + SPARE_SECONDS
        taken[limit] = limit._cache_keys(window, keys)
        counts = [_count(key, timeout) for key in taken[limit]]
        if max(counts) > most:
            over.append((limit, max(1, math.ceil(left))))
    return Reservation(taken, over)


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
