"""The embedded bus: an append-only event table, read by one relay task per process.

Without Redis each process has its own in-memory channel layer, so a ``group_send`` in the
ingest process reaches nobody in the web processes. What every process already shares is the
database (one SQLite file in WAL mode for web, worker and ingest), so messages travel
through it:

- ``append`` (inside ``bus.send``) adds one ``LiveEvent`` row: a short write, inside the
  caller's transaction when there is one, so the event becomes visible exactly when the
  state it reports commits, and disappears with it on a rollback.
- A process that has subscribers (sockets, ``bus.subscribe``) runs ONE relay task that asks
  every 250 ms for the rows after the last id it saw (a primary-key range scan that is
  almost always empty; WAL readers never block the writer) and hands them to its own
  in-memory layer, whose ``group_send`` reaches the local consumers. The cost is per
  process, not per viewer: a thousand sockets cost the same four small queries a second as
  one. A process with no subscribers runs no relay and pays nothing.
- A process that starts late or restarts starts its relay at the current last id when its
  first subscriber appears: what it missed meanwhile is state, which subscribers read from
  the database when they join (a socket sends the channel's status on connect); the join
  waits for the relay's start, so an event committed after that read is never missed.
- The senders delete rows older than ``RETENTION_SECONDS`` (once a minute at most): no
  schedule to run, and the table stays a few rows long.
- On PostgreSQL (no Redis) ids are handed out before commit, so a later id can commit first:
  the relay remembers ids it skipped for ``GAP_SECONDS`` and asks for them again (SQLite
  commits one writer at a time, in id order, and has no such gaps).

Rejected: a Unix-socket hub (one process must own it and, when that one restarts, the others
must notice, reconnect and re-elect; framing, back-pressure and a second failure mode beside
the database that every process needs anyway, for more code), PostgreSQL's LISTEN/NOTIFY
(not in SQLite, the embedded default) and polling per viewer (the issue forbids it: cost
grows with the audience).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from live.bus import db
from live.models import LiveEvent

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
RETRY_SECONDS = 1.0  # after a failed read (the database restarting, say)
BATCH = 500  # rows per read; a full batch is followed by the next read at once
GAP_SECONDS = 5.0
MAX_GAPS = 1000
RETENTION_SECONDS = 600
PRUNE_EVERY_SECONDS = 60

_last_prune = 0.0


def append(group: str, message: dict[str, Any]) -> None:
    """Store ``message`` for every process's relay (call from sync code)."""
    global _last_prune
    LiveEvent.objects.create(group=group, payload=message)
    now = time.monotonic()
    if now - _last_prune > PRUNE_EVERY_SECONDS:
        _last_prune = now
        cutoff = timezone.now() - timedelta(seconds=RETENTION_SECONDS)
        LiveEvent.objects.filter(created__lt=cutoff).delete()


def _max_id() -> int:
    return int(LiveEvent.objects.aggregate(last=Max("id"))["last"] or 0)


class Relay:
    """Hand the event table's new rows to this process's channel layer while anyone listens."""

    def __init__(self) -> None:
        self._reset(None)

    def _reset(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.loop = loop
        self.lock = asyncio.Lock()
        self.users = 0
        self.task: asyncio.Task[None] | None = None
        self.last_id = 0
        self.gaps: dict[int, float] = {}  # skipped id -> until when to look for it

    def _on_this_loop(self) -> None:
        # A new event loop (tests start one per test) starts from nothing: the old loop's
        # task is gone with it.
        loop = asyncio.get_running_loop()
        if loop is not self.loop:
            self._reset(loop)

    async def acquire(self, layer: Any) -> None:
        """Count one more subscriber; start relaying (from the current last row) if none ran."""
        self._on_this_loop()
        async with self.lock:
            self.users += 1
            if self.task is None:
                try:
                    self.last_id = await db.relay.run(_max_id)
                except BaseException:
                    self.users -= 1
                    raise
                self.gaps = {}
                self.task = asyncio.create_task(self._run(layer), name="live-bus-relay")

    async def release(self) -> None:
        """Count one subscriber fewer; stop relaying (and close its connection) at none."""
        self._on_this_loop()
        async with self.lock:
            self.users = max(self.users - 1, 0)
            if self.users or self.task is None:
                return
            task, self.task = self.task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await db.relay.close()

    async def _run(self, layer: Any) -> None:
        while True:
            try:
                rows = await db.relay.run(self._fetch)
            except Exception:
                log.exception("The bus relay could not read new events; retrying")
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for row_id, group, payload in rows:
                try:
                    await layer.group_send(group, payload)
                except Exception:  # one bad row must not stop the others
                    log.exception("The bus relay could not deliver event %s", row_id)
            if len(rows) < BATCH:
                await asyncio.sleep(POLL_SECONDS)

    def _fetch(self) -> list[tuple[int, str, dict[str, Any]]]:
        """Return the rows after the last one seen, and skipped ones that have committed since."""
        now = time.monotonic()
        self.gaps = {row_id: until for row_id, until in self.gaps.items() if until > now}
        wanted = Q(id__gt=self.last_id)
        if self.gaps:
            wanted |= Q(id__in=list(self.gaps))
        rows = list(
            LiveEvent.objects.filter(wanted)
            .order_by("id")
            .values_list("id", "group", "payload")[:BATCH]
        )
        for row_id, _, _ in rows:
            if row_id > self.last_id:
                skipped = range(max(self.last_id + 1, row_id - MAX_GAPS), row_id)
                self.gaps.update(dict.fromkeys(skipped, now + GAP_SECONDS))
                self.last_id = row_id
            else:
                self.gaps.pop(row_id, None)
        return rows


relay = Relay()
