"""The bus between processes: a message sent in one OS process reaches another within 1 s."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.tests.processes import worker_env
from live import bus, services
from live.bus import relay
from live.models import Channel, LiveEvent, LiveSession

pytestmark = pytest.mark.anyio

DEADLINE = 30.0  # for a Python process to start and import Django; not the latency asserted
LATENCY = 1.0  # what the issue asks: another process hears it within a second

SEND = """
import sys, time, django
django.setup()
from live import bus
bus.send(sys.argv[1], {"type": "test.ping", "sent_at": time.time()})
"""

LISTEN = """
import asyncio, json, sys, time, django
django.setup()
from live import bus

async def listen():
    async with bus.subscribe(sys.argv[1]) as messages:
        print("ready", flush=True)
        async for message in messages:
            print(json.dumps({"received_at": time.time(), **message}), flush=True)
            return

asyncio.run(listen())
"""


async def python(script: str, *args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, *args, env=env, cwd=settings.BASE_DIR,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    return (await asyncio.wait_for(process.stdout.readline(), DEADLINE)).decode().strip()


async def test_a_message_from_another_process_arrives_within_a_second(
    async_db: None, bus_mode: dict[str, str]
) -> None:
    async with bus.subscribe("test.pings") as messages:
        sender = await python(SEND, "test.pings", env=worker_env(**bus_mode))
        message = await asyncio.wait_for(anext(messages), DEADLINE)
        received_at = time.time()
    assert await sender.wait() == 0
    assert message["type"] == "test.ping"
    assert received_at - message["sent_at"] < LATENCY


async def test_an_end_request_reaches_the_ingest_process_within_a_second(
    async_db: None, bus_mode: dict[str, str], channel: Channel
) -> None:
    await sync_to_async(LiveSession.objects.create)(channel=channel)
    listener = await python(LISTEN, bus.INGEST, env=worker_env(**bus_mode))
    try:
        assert await line(listener) == "ready"
        sent_at = time.time()
        await sync_to_async(services.session_request_end)(channel=channel, reason="ended_by_owner")
        heard = json.loads(await line(listener))
    finally:
        if listener.returncode is None:
            listener.kill()
        await listener.wait()
    assert heard.pop("received_at") - sent_at < LATENCY
    assert heard == {"type": "ingest.drop", "channel": channel.pk, "reason": "ended_by_owner"}


async def test_a_rolled_back_message_is_never_delivered(
    async_db: None, bus_mode: dict[str, str]
) -> None:
    def send_twice() -> None:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            bus.send("test.tx", {"type": "test.tx", "n": 1})
            _ = 1 / 0
        bus.send("test.tx", {"type": "test.tx", "n": 2})

    async with bus.subscribe("test.tx") as messages:
        await sync_to_async(send_twice)()
        message = await asyncio.wait_for(anext(messages), DEADLINE)
    assert message == {"type": "test.tx", "n": 2}


async def test_a_process_that_starts_listening_late_hears_only_what_comes_after(
    async_db: None, bus_mode: dict[str, str]
) -> None:
    # What was sent before is state the subscriber reads from the database, not a backlog.
    await sync_to_async(bus.send)("test.late", {"type": "test.late", "n": 1})
    async with bus.subscribe("test.late") as messages:
        await sync_to_async(bus.send)("test.late", {"type": "test.late", "n": 2})
        assert await asyncio.wait_for(anext(messages), DEADLINE) == {"type": "test.late", "n": 2}


async def test_async_code_sends_with_asend(async_db: None, bus_mode: dict[str, str]) -> None:
    async with bus.subscribe("test.async") as messages:
        with pytest.raises(RuntimeError, match=r"await bus\.asend"):
            bus.send("test.async", {"type": "test.async"})
        await bus.asend("test.async", {"type": "test.async", "n": 1})
        assert await asyncio.wait_for(anext(messages), DEADLINE) == {"type": "test.async", "n": 1}


@pytest.mark.parametrize(
    ("group", "message"),
    [("bad group!", {"type": "x"}), ("x" * 100, {"type": "x"}), ("ok", {"text": "no type"})],
)
def test_send_refuses_what_no_layer_could_carry(
    db: None, group: str, message: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        bus.send(group, message)
    assert not LiveEvent.objects.exists()


def test_the_relay_asks_again_for_ids_that_commit_out_of_order(db: None) -> None:
    # PostgreSQL hands out ids before commit: 3 may commit after 4. Simulated with explicit ids.
    reader = relay.Relay()
    for row_id in (1, 2, 4):
        LiveEvent.objects.create(id=row_id, group="g", payload={"type": "t", "n": row_id})
    assert [row[0] for row in reader._fetch()] == [1, 2, 4]
    assert reader._fetch() == []
    LiveEvent.objects.create(id=3, group="g", payload={"type": "t", "n": 3})
    LiveEvent.objects.create(id=5, group="g", payload={"type": "t", "n": 5})
    assert [row[0] for row in reader._fetch()] == [3, 5]
    assert reader._fetch() == []


def test_sending_deletes_old_events(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    old = LiveEvent.objects.create(group="g", payload={"type": "t"})
    LiveEvent.objects.filter(pk=old.pk).update(
        created=timezone.now() - timedelta(seconds=relay.RETENTION_SECONDS + 1)
    )
    recent = LiveEvent.objects.create(group="g", payload={"type": "t"})
    monkeypatch.setattr(relay, "_last_prune", 0.0)
    bus.send("g", {"type": "t"})
    assert not LiveEvent.objects.filter(pk=old.pk).exists()
    assert LiveEvent.objects.filter(pk__gte=recent.pk).count() == 2  # the recent one, the new one
