"""Send many requests at the same instant and hold them at one point, for the limit races.

A rate limit that checks a count before some work and counts after it lets through every
request that arrives while the first ones are still working. A machine decides how much of
that overlap happens, so the tests force it: each request that reaches the guarded work (the
password check, the upload) waits there until every request has either reached it too or come
back refused. On a limiter that counts late all of them reach it; on one that counts first only
the limit's worth do. No sleeps: threads block on a barrier and an event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections

PATIENCE = 120  # seconds a held request waits for the others before giving up (a hung test)


class Gate:
    """Hold the requests that reach one function until all ``total`` have reached it or left."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.reached = 0
        self.refused = 0
        self.all_in = threading.Event()
        self._lock = threading.Lock()
        self._here = threading.local()

    def _note(self, reached: bool) -> None:
        with self._lock:
            if reached:
                self.reached += 1
            else:
                self.refused += 1
            if self.reached + self.refused == self.total:
                self.all_in.set()

    def guard(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        """Make ``owner.name`` wait at the gate before it runs."""
        original = getattr(owner, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            self._here.reached = True
            self._note(reached=True)
            self.all_in.wait(PATIENCE)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, held)

    def rush(self, send: Callable[[int], Any]) -> list[Any]:
        """Call ``send(n)`` for n in 0..total-1 in as many threads at once; return the answers."""
        start = threading.Barrier(self.total)

        def one(n: int) -> Any:
            self._here.reached = False
            try:
                start.wait(PATIENCE)
                return send(n)
            finally:
                if not self._here.reached:  # came back without reaching the gate
                    self._note(reached=False)
                connections.close_all()  # each thread has its own database connection

        with ThreadPoolExecutor(self.total) as pool:
            answers = list(pool.map(one, range(self.total)))
        assert self.all_in.is_set(), "the requests never all reached the gate or came back"
        return answers
