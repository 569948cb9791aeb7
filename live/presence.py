"""Who is watching: viewer counts from the live page's websocket connections, across processes.

Each process counts its own sockets per channel (``watch`` and ``unwatch``, called by the
consumer). While it holds any, one presence task per process, once a second:

- writes the process's counts to ``ViewerPresence`` (process, channel, count, updated) when
  they changed, and every ``REFRESH_SECONDS`` anyway to keep them fresh: one short write;
- reads the other processes' fresh counts of the channels it holds sockets of, adds its own,
  and sends the total to those sockets when it changed (so at most once a second);
- raises the live session's ``peak_viewers`` when a total rises (``UPDATE … WHERE peak < n``).

A channel's count is the sum of the rows updated within ``EXPIRY_SECONDS``: a process that
crashed stops refreshing its rows, and they stop counting. Playlist requests count nothing.

Why the database in both modes (and not Redis hashes when there is Redis): every process
already reaches it, it is one implementation to test, and its cost is per process, not per
viewer: one read a second and a write only on change (or every few seconds), whatever the
audience. Readers elsewhere (the channel list, the API's ``viewer_count``) are one indexed
query for a whole page of channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from datetime import timedelta
from typing import Protocol

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from live.bus import db
from live.chat import frames
from live.models import LiveSession, ViewerPresence

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
REFRESH_SECONDS = 5.0
EXPIRY_SECONDS = 15.0
PRUNE_AFTER_SECONDS = 300.0  # rows of processes gone for this long are deleted

_process: tuple[int, str] | None = None
_last_prune = 0.0


def process_id() -> str:
    """Return this process's name in the presence table (a new one after a fork)."""
    global _process
    if _process is None or _process[0] != os.getpid():
        name = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
        _process = (os.getpid(), name)
    return _process[1]


def _counts(channel_ids: list[str], *, exclude: str | None = None) -> dict[str, int]:
    cutoff = timezone.now() - timedelta(seconds=EXPIRY_SECONDS)
    rows = ViewerPresence.objects.filter(channel_id__in=channel_ids, updated__gte=cutoff)
    if exclude is not None:
        rows = rows.exclude(process=exclude)
    totals = rows.order_by().values("channel_id").annotate(total=Sum("count"))
    return {row["channel_id"]: int(row["total"]) for row in totals}


def viewer_counts(channel_ids: list[str]) -> dict[str, int]:
    """Return how many viewers each channel has now (0 for channels nobody watches)."""
    counts = _counts(list(channel_ids)) if channel_ids else {}
    return {channel_id: counts.get(channel_id, 0) for channel_id in channel_ids}


def viewer_count(channel_id: str) -> int:
    """Return how many viewers ``channel_id`` has now."""
    return viewer_counts([channel_id])[channel_id]


def _write(process: str, counts: dict[str, int], gone: list[str]) -> None:
    """Store this process's counts (and drop the channels it no longer holds sockets of)."""
    global _last_prune
    now = timezone.now()
    with transaction.atomic():
        if gone:
            ViewerPresence.objects.filter(process=process, channel_id__in=gone).delete()
        if counts:
            ViewerPresence.objects.bulk_create(
                [
                    ViewerPresence(process=process, channel_id=channel, count=n, updated=now)
                    for channel, n in counts.items()
                ],
                update_conflicts=True,
                unique_fields=["channel_id", "process"],
                update_fields=["count", "updated"],
            )
        if time.monotonic() - _last_prune > PRUNE_AFTER_SECONDS / 5:
            _last_prune = time.monotonic()
            ViewerPresence.objects.filter(
                updated__lt=now - timedelta(seconds=PRUNE_AFTER_SECONDS)
            ).delete()


def _raise_peaks(totals: dict[str, int]) -> None:
    """Raise the peak of each channel's current session to its total, where that is higher."""
    with transaction.atomic():
        for channel, total in totals.items():
            LiveSession.objects.filter(channel_id=channel, peak_viewers__lt=total).exclude(
                status=LiveSession.Status.ENDED
            ).update(peak_viewers=total)


class Listener(Protocol):
    """A socket that shows a channel's viewer count (live.consumers.ChannelConsumer)."""

    def push(self, text: str) -> bool: ...


class Tracker:
    """This process's sockets per channel, and the task that shares and sums their counts."""

    def __init__(self) -> None:
        self._reset(None)

    def _reset(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.loop = loop
        self.sockets: dict[str, set[Listener]] = {}
        self.written: dict[str, int] = {}  # what the table holds for this process
        self.written_at = 0.0
        self.others: dict[str, int] = {}  # other processes' counts, as last read
        self.told: dict[str, int] = {}  # the total this process's sockets were last sent
        self.task: asyncio.Task[None] | None = None

    def _on_this_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new event loop (tests): the old task died with its loop
            self._reset(loop)

    async def watch(self, channel_id: str, listener: Listener) -> int:
        """Count ``listener`` as a viewer of ``channel_id``; return the channel's count now."""
        self._on_this_loop()
        first_here = channel_id not in self.sockets
        self.sockets.setdefault(channel_id, set()).add(listener)
        if self.task is None:
            self.task = asyncio.create_task(self._run(), name="live-presence")
        if first_here:
            process = process_id()
            counts = await db.presence.run(lambda: _counts([channel_id], exclude=process))
            self.others[channel_id] = counts.get(channel_id, 0)
        return self.others.get(channel_id, 0) + len(self.sockets.get(channel_id, ()))

    def session_changed(self, channel_id: str) -> None:
        """Share the channel's count again at the next tick: a new session starts at its peak."""
        self.told.pop(channel_id, None)

    def unwatch(self, channel_id: str, listener: Listener) -> None:
        """Stop counting ``listener`` (the next tick shares the change)."""
        self._on_this_loop()
        sockets = self.sockets.get(channel_id)
        if sockets is None:
            return
        sockets.discard(listener)
        if not sockets:
            del self.sockets[channel_id]
            self.others.pop(channel_id, None)
            self.told.pop(channel_id, None)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                await self._tick()
            except Exception:
                log.exception("Could not share or read viewer counts; trying again")
            if not self.sockets and not self.written:
                self.task = None  # the next watch starts another
                with contextlib.suppress(Exception):
                    await db.presence.close()
                return

    async def _tick(self) -> None:
        process = process_id()
        counts = {channel: len(sockets) for channel, sockets in self.sockets.items()}
        now = time.monotonic()
        if counts != self.written or now - self.written_at >= REFRESH_SECONDS:
            gone = [channel for channel in self.written if channel not in counts]
            await db.presence.run(lambda: _write(process, counts, gone))
            self.written, self.written_at = counts, now
        if not counts:
            return
        others = await db.presence.run(lambda: _counts(list(counts), exclude=process))
        risen: dict[str, int] = {}
        sends = []
        for channel in counts:
            self.others[channel] = others.get(channel, 0)
            # Sockets that came or went during the read count as they are now.
            total = self.others[channel] + len(self.sockets.get(channel, ()))
            told = self.told.get(channel)
            if channel not in self.sockets or total == told:
                continue
            if told is None or total > told:
                risen[channel] = total
            self.told[channel] = total
            text = frames.encode(frames.viewer_count_frame(total))
            sends += [(listener, text) for listener in self.sockets[channel]]
        if risen:
            await db.presence.run(lambda: _raise_peaks(risen))
        for listener, text in sends:
            listener.push(text)  # a full queue: the hub closes that socket on its next frame


tracker = Tracker()


async def watch(channel_id: str, listener: Listener) -> int:
    """Count a socket as a viewer of ``channel_id`` while it is open; return the count now."""
    return await tracker.watch(channel_id, listener)


def unwatch(channel_id: str, listener: Listener) -> None:
    """Stop counting a socket that closed."""
    tracker.unwatch(channel_id, listener)


def session_changed(channel_id: str) -> None:
    """Note that the channel went live or ended (its new session's peak starts at the count)."""
    tracker.session_changed(channel_id)
