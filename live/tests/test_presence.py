"""Viewer counts: the sum of each process's fresh counts; peaks only rise."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from live import presence
from live.models import Channel, LiveSession, ViewerPresence

WAIT_SECONDS = 20.0


def test_the_count_sums_every_process_and_forgets_a_silent_one(db: None, channel: Channel) -> None:
    now = timezone.now()
    stale = now - timedelta(seconds=presence.EXPIRY_SECONDS + 1)
    for process, count, updated in (("web-1", 2, now), ("web-2", 3, now), ("crashed", 5, stale)):
        ViewerPresence.objects.create(
            process=process, channel_id=channel.pk, count=count, updated=updated
        )
    assert presence.viewer_counts([channel.pk, "nobody"]) == {channel.pk: 5, "nobody": 0}
    assert presence.viewer_count(channel.pk) == 5
    assert presence.viewer_counts([]) == {}


def test_peaks_only_rise_and_only_on_sessions_not_ended(db: None, channel: Channel) -> None:
    ended = LiveSession.objects.create(channel=channel, status=LiveSession.Status.ENDED)
    live = LiveSession.objects.create(channel=channel)
    presence._raise_peaks({channel.pk: 3})
    presence._raise_peaks({channel.pk: 2})
    live.refresh_from_db()
    ended.refresh_from_db()
    assert (live.peak_viewers, ended.peak_viewers) == (3, 0)


class Viewer:
    """A stand-in socket that records the counts it is sent."""

    def __init__(self) -> None:
        self.counts: list[int] = []

    def push(self, text: str) -> bool:
        frame = json.loads(text)
        assert frame["type"] == "viewer_count"
        self.counts.append(frame["count"])
        return True


async def until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@pytest.mark.anyio
async def test_open_sockets_are_shared_while_open_and_withdrawn_when_closed(
    async_db: None, channel: Channel
) -> None:
    other_process = await sync_to_async(ViewerPresence.objects.create)(
        process="web-2", channel_id=channel.pk, count=4, updated=timezone.now()
    )
    first, second = Viewer(), Viewer()
    assert await presence.watch(channel.pk, first) == 5  # the other process's 4, and this one
    assert await presence.watch(channel.pk, second) == 6

    async def shared(count: int) -> bool:
        return await sync_to_async(presence.viewer_count)(channel.pk) == count

    await until(lambda: shared(6), "this process's two sockets in the table")
    await until(lambda: asyncio.sleep(0, 6 in first.counts), "the count sent to the sockets")
    presence.unwatch(channel.pk, first)
    presence.unwatch(channel.pk, second)
    await until(lambda: shared(4), "this process's row withdrawn")
    await until(
        lambda: asyncio.sleep(0, presence.tracker.task is None), "the presence task to stop"
    )
    rows = await sync_to_async(lambda: list(ViewerPresence.objects.values_list("pk", flat=True)))()
    assert rows == [other_process.pk]
