"""Database threads of their own for the bus relay and the presence counts.

Both poll for as long as the process has subscribers. Each runs its queries in one thread of
its own, so it holds one connection per process (not one per thread of a pool), never queues
behind a request's sync work, and the relay's reads never wait behind a presence write that
waits for SQLite's write lock. A query that fails closes that thread's connection; the next
call opens a new one (after PostgreSQL restarted, say).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def _guarded(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except Exception:
        connections.close_all()
        raise


class DatabaseThread:
    """One thread, with its own database connection, for one poller."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (database work) in this thread and return its result."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, _guarded, fn)

    async def close(self) -> None:
        """Close the thread's connections (when its poller stops)."""
        await asyncio.get_running_loop().run_in_executor(self._executor, connections.close_all)

    def close_now(self) -> None:
        """Close the thread's connections from sync code (an event loop that ended while its
        poller still ran leaves them open: tests, before dropping their database)."""
        self._executor.submit(connections.close_all).result()


relay = DatabaseThread("live-bus-relay")
presence = DatabaseThread("live-presence")
