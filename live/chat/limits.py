"""How often a user may write: a per-user rate, slow mode and duplicate suppression.

The rate is a token bucket in its GCRA form (one stored number per user: the "theoretical
arrival time"): a burst of ``burst`` messages, then one every ``1 / per_second`` seconds.
Privileged users (the owner, moderators, staff) get a larger burst, never an unlimited one.
Slow mode makes a chatter wait N seconds between messages; a duplicate is the same text
(ignoring case, spacing and invisible characters) from the same user within
``DUPLICATE_SECONDS``.

Where the numbers live: with ``REDIS_URL``, in Redis (each check one atomic script or ``SET
NX``, shared by every web process, so a user with sockets on two processes gets no more);
otherwise in this process's memory: the embedded default runs one web process.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from live.chat.frames import INVISIBLE


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int


EVERYONE = Rate(per_second=1.0, burst=3)
PRIVILEGED = Rate(per_second=1.0, burst=6)
DUPLICATE_SECONDS = 30.0


def fingerprint(text: str) -> str:
    """Return what two texts share when they say the same thing (case, spacing, invisibles)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = "".join(c for c in folded if c not in INVISIBLE).split()
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]


class Limiter(ABC):
    """Each method returns 0 when the message may go, else the seconds to wait."""

    @abstractmethod
    async def take(self, key: str, rate: Rate) -> float:
        """Spend one message of the user's rate."""

    @abstractmethod
    async def hold(self, key: str, seconds: float) -> float:
        """Start a wait of ``seconds`` unless one is running (slow mode, duplicates)."""

    @abstractmethod
    async def release(self, key: str) -> None:
        """End a wait started by ``hold`` (the message it was for was refused after all)."""


class MemoryLimiter(Limiter):
    """This process's counters (the embedded default's single web process)."""

    PRUNE_EVERY = 1000  # checks between sweeps of expired entries

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._held: dict[str, float] = {}
        self._checks = 0

    def _prune(self, now: float) -> None:
        self._checks += 1
        if self._checks % self.PRUNE_EVERY == 0:
            self._tat = {k: v for k, v in self._tat.items() if v > now}
            self._held = {k: v for k, v in self._held.items() if v > now}

    async def take(self, key: str, rate: Rate) -> float:
        now = time.monotonic()
        self._prune(now)
        interval = 1.0 / rate.per_second
        tat = max(self._tat.get(key, now), now)
        wait = tat - (rate.burst - 1) * interval - now
        if wait > 0:
            return wait
        self._tat[key] = tat + interval
        return 0.0

    async def hold(self, key: str, seconds: float) -> float:
        now = time.monotonic()
        self._prune(now)
        until = self._held.get(key, 0.0)
        if until > now:
            return until - now
        self._held[key] = now + seconds
        return 0.0

    async def release(self, key: str) -> None:
        self._held.pop(key, None)


# GCRA in one round trip, on Redis's clock (the web processes' clocks may disagree).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
if wait > 0 then return tostring(wait) end
tat = tat + interval
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return '0'
"""


class RedisLimiter(Limiter):
    """Counters in Redis, shared by every web process."""

    PREFIX = "onair:chat:"

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[asyncio.AbstractEventLoop, Any] = {}

    def _client(self) -> Any:
        # redis.asyncio clients belong to one event loop (tests run several).
        import redis.asyncio as redis

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            self._clients = {lp: c for lp, c in self._clients.items() if not lp.is_closed()}
            client = self._clients[loop] = redis.Redis.from_url(self.url)
        return client

    async def take(self, key: str, rate: Rate) -> float:
        wait = await self._client().eval(
            _TAKE, 1, self.PREFIX + "rate:" + key, 1.0 / rate.per_second, rate.burst
        )
        return float(wait)

    async def hold(self, key: str, seconds: float) -> float:
        client = self._client()
        name = self.PREFIX + "hold:" + key
        if await client.set(name, b"1", px=max(1, math.ceil(seconds * 1000)), nx=True):
            return 0.0
        left = await client.pttl(name)
        return max(left, 1) / 1000 if left > 0 else 0.001

    async def release(self, key: str) -> None:
        await self._client().delete(self.PREFIX + "hold:" + key)


_limiter: Limiter | None = None


def limiter() -> Limiter:
    """Return this process's limiter (Redis when ``REDIS_URL`` is set)."""
    global _limiter
    if _limiter is None:
        url = getattr(settings, "REDIS_URL", "")
        _limiter = RedisLimiter(url) if url else MemoryLimiter()
    return _limiter


def reset() -> None:
    """Forget the limiter (tests that switch settings)."""
    global _limiter
    _limiter = None
