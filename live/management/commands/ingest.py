"""``manage.py ingest``: the RTMP ingest server encoders publish to (rtmp://HOST:1935/live/KEY)."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from live import bus
from live.ingest.manager import IngestManager
from live.ingest.server import Limits, RtmpServer

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the RTMP ingest server: streams published with a valid key go live."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.LIVE_INGEST_HOST)
        parser.add_argument("--port", type=int, default=settings.LIVE_INGEST_PORT)
        parser.add_argument(
            "--fd", type=int, help="serve on this inherited listening socket (tests)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        asyncio.run(self.serve(options["host"], options["port"], options["fd"]))

    async def serve(self, host: str, port: int, fd: int | None) -> None:
        work_root = Path(settings.LIVE_WORK_DIR)
        work_root.mkdir(parents=True, exist_ok=True)
        manager = IngestManager(work_root=work_root)
        await manager.recover_orphans()
        server = RtmpServer(
            authorize=manager.authorize,
            limits=Limits(connections_per_address=settings.LIVE_CONNECTIONS_PER_ADDRESS),
        )
        if fd is not None:
            await server.start_on(socket.socket(fileno=fd))
        else:
            await server.start(host, port)
        self.stdout.write(f"ingest: listening on rtmp://{host}:{server.port}/live", ending="\n")
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        commands = asyncio.create_task(self.listen(manager))
        await stop.wait()
        self.stdout.write("ingest: stopping; ending live sessions", ending="\n")
        commands.cancel()
        await server.close()
        await manager.shutdown()

    async def listen(self, manager: IngestManager) -> None:
        """Act on commands from the web processes (drop a publisher, end a session)."""
        async with bus.subscribe(bus.INGEST) as messages:
            async for message in messages:
                if message.get("type") != "ingest.drop":
                    continue
                try:
                    await manager.drop(str(message.get("channel")), str(message.get("reason")))
                except Exception:  # robust: one failed command must not stop the ingest
                    log.exception("ingest: a drop command failed")
