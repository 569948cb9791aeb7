"""Who may publish where: stream keys, one publisher per channel, sessions and their packagers.

The RTMP layer (live/ingest/server.py) asks ``authorize`` when an encoder publishes and feeds
the returned publisher its media; this module turns that into sessions (live/sessions.py)
and packagers (live/packaging/). All of it runs on the ingest's event loop; database work
goes through ``sync_to_async`` (one short transaction each), file work through the packager.

Per channel, the state machine is:
- no state → a publisher is admitted: a session opens, a packager starts.
- publishing → the encoder unpublishes: the session ends at once and its replay is written.
- publishing → the connection drops (or stalls): the packager ends its run and the session
  waits ``LIVE_RECONNECT_GRACE_SECONDS`` for the same key; a reconnect continues the same
  session (a new run of the packager), else the session ends as dropped.
- publishing → a drop command (key rotated, session ended by its owner or staff): the
  publisher is cut off and the session ends at once.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings

from catalog.transcoding import holder as holders
from live import sessions
from live.ingest import flv
from live.ingest.server import Connection, PublishRequest, Refused
from live.models import LiveSession
from live.packaging.packager import Packager
from live.packaging.replay import ReplayOutput, finish_orphan

log = logging.getLogger(__name__)

Reason = LiveSession.EndReason
HEALTH_SECONDS = 2.0
PLAYABLE_POLL_SECONDS = 0.1
COMMAND_REASONS = {  # what a drop command says → why the session ended
    "key_rotated": Reason.KEY_ROTATED,
    "ended_by_owner": Reason.ENDED_BY_OWNER,
    "ended_by_staff": Reason.ENDED_BY_STAFF,
    "banned": Reason.BANNED,
    "moderation": Reason.MODERATION,
}


@dataclass(eq=False)
class ChannelState:
    """One channel live on this ingest: its session, packager and current publisher."""

    channel_id: str
    session_id: str
    packager: Packager
    connection: Connection | None = None
    drop_reason: str = Reason.DROPPED
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    grace: asyncio.Task[None] | None = None


class ChannelPublisher:
    """The sink of one admitted connection: its media goes to the channel's packager."""

    def __init__(self, manager: IngestManager, state: ChannelState, connection: Connection):
        self.manager = manager
        self.state = state
        self.connection = connection
        self.started = False

    async def on_media(self, tag: flv.FlvTag) -> None:
        if self.state.connection is not self.connection:
            return  # replaced or cut off: nothing more of it reaches the stream
        if not self.started:
            self.started = True
            await self.state.packager.feed(flv.file_header())
        await self.state.packager.feed(tag.to_bytes())

    async def on_end(self, *, clean: bool, reason: str) -> None:
        await self.manager.publisher_gone(self.state, self.connection, clean=clean, reason=reason)


class IngestManager:
    """Admit publishers and run their channels' sessions on this process."""

    def __init__(self, *, work_root: Path) -> None:
        self.work_root = work_root
        self.held = holders.current()
        self.states: dict[str, ChannelState] = {}
        self.locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # --- admission ---

    async def authorize(self, request: PublishRequest, connection: Connection) -> ChannelPublisher:
        """Admit a publisher with a valid key, or raise Refused with a reason it can show."""
        if request.app != "live":
            raise Refused("Publish to rtmp://HOST:1935/live/ followed by your stream key.")
        channel = await sync_to_async(sessions.channel_for_key)(request.stream_key)
        if channel is None:
            log.info("refused a publisher from %s: unknown stream key", request.peer)
            raise Refused("Invalid stream key. Copy it again from your channel page.")
        refusal = await sync_to_async(sessions.publish_refusal)(channel)
        if refusal:
            log.info("refused a publisher on channel %s: %s", channel.pk, refusal)
            raise Refused(refusal, code="NetStream.Publish.Denied")
        async with self.locks[channel.pk]:
            state = self.states.get(channel.pk)
            if state is not None and state.connection is not None:
                idle = time.monotonic() - state.connection.last_media_at
                if idle < settings.LIVE_STALL_SECONDS:
                    raise Refused("This channel is already live from another encoder.")
                log.info("channel %s: replacing a publisher silent for %.0f s", channel.pk, idle)
                await self._detach(state, "replaced by a new connection")
                await state.packager.end_run()
            try:
                session = await sync_to_async(sessions.session_open)(
                    channel_id=channel.pk, held=self.held
                )
            except sessions.AlreadyLive as exc:
                raise Refused("This channel is already live on another ingest server.") from exc
            if state is None or state.session_id != session.pk:
                state = self._start(channel.pk, session)
            elif state.grace is not None:
                state.grace.cancel()
                state.grace = None
            state.connection = connection
            state.drop_reason = Reason.DROPPED
        log.info("channel %s: publisher from %s admitted", channel.pk, request.peer)
        return ChannelPublisher(self, state, connection)

    def _start(self, channel_id: str, session: LiveSession) -> ChannelState:
        packager = Packager(
            session_id=session.pk,
            output_prefix=session.output_prefix,
            work_dir=self.work_root / session.pk,
        )
        state = ChannelState(channel_id=channel_id, session_id=session.pk, packager=packager)
        self.states[channel_id] = state
        state.tasks = [
            asyncio.create_task(self._watch_playable(state)),
            asyncio.create_task(self._watch_failure(state)),
            asyncio.create_task(self._report_health(state)),
            asyncio.create_task(self._capture_thumbnails(state)),
        ]
        return state

    async def _detach(self, state: ChannelState, reason: str) -> None:
        """Cut the current publisher off without its end counting as a drop."""
        connection, state.connection = state.connection, None
        if connection is not None:
            await connection.close(reason)

    # --- a publisher goes away ---

    async def publisher_gone(
        self, state: ChannelState, connection: Connection, *, clean: bool, reason: str
    ) -> None:
        """Handle the end of a connection: a clean end finishes the session, a drop waits."""
        if state.connection is not connection:
            return  # cut off by _detach (possibly inside this very task, holding the lock)
        async with self.locks[state.channel_id]:
            if state.connection is not connection:
                return  # replaced or cut off on purpose: handled by whoever did it
            state.connection = None
            if clean:
                await self._finish(state, Reason.UNPUBLISHED, "")
                return
            log.info(
                "channel %s: publisher dropped (%s); waiting for a reconnect",
                state.channel_id,
                reason,
            )
            await state.packager.end_run()
            await sync_to_async(sessions.session_reconnecting)(session_id=state.session_id)
            state.grace = asyncio.create_task(self._grace(state, reason))

    async def _grace(self, state: ChannelState, reason: str) -> None:
        await asyncio.sleep(settings.LIVE_RECONNECT_GRACE_SECONDS)
        async with self.locks[state.channel_id]:
            if state.connection is None and self.states.get(state.channel_id) is state:
                await self._finish(state, state.drop_reason, reason)

    async def _finish(self, state: ChannelState, reason: str, detail: str) -> None:
        """End the session (viewers see it at once), then write and publish its replay."""
        self.states.pop(state.channel_id, None)
        current = asyncio.current_task()
        for task in [*state.tasks, state.grace]:
            if task is not None and task is not current:
                task.cancel()
        await self._detach(state, detail or reason)
        await sync_to_async(sessions.session_end)(
            session_id=state.session_id, reason=reason, detail=detail
        )
        try:
            replay = await state.packager.finish()
        except Exception:  # robust: the session is over either way; keep the ingest serving
            # The journal stays on disk: the next start of the ingest tries again.
            log.exception("channel %s: the replay could not be written", state.channel_id)
            return
        await self._publish(state.session_id, replay)

    async def _publish(self, session_id: str, replay: ReplayOutput | None) -> None:
        """Publish the session's replay (if long enough), then delete its local files."""
        if replay is not None:
            await sync_to_async(sessions.replay_publish)(session_id=session_id, replay=replay)
        await asyncio.to_thread(shutil.rmtree, self.work_root / session_id, True)

    # --- commands from the web processes ---

    async def drop(self, channel_id: str, reason: str) -> None:
        """Cut the channel's publisher off and end its session (key rotated, ended by owner)."""
        async with self.locks[channel_id]:
            state = self.states.get(channel_id)
            if state is None:
                return  # not live here (another ingest server, or already over)
            await self._finish(state, COMMAND_REASONS.get(reason, Reason.ENDED_BY_STAFF), "")

    # --- per-channel background work ---

    async def _watch_playable(self, state: ChannelState) -> None:
        while state.packager.live_master is None:
            await asyncio.sleep(PLAYABLE_POLL_SECONDS)
        await sync_to_async(sessions.session_playable)(
            session_id=state.session_id, hls_path=state.packager.live_master
        )

    async def _watch_failure(self, state: ChannelState) -> None:
        await state.packager.failed.wait()
        log.error("channel %s: packaging failed: %s", state.channel_id, state.packager.failure)
        async with self.locks[state.channel_id]:
            if self.states.get(state.channel_id) is state:
                await self._finish(state, Reason.PACKAGER_FAILED, state.packager.failure)

    async def _report_health(self, state: ChannelState) -> None:
        while True:
            await asyncio.sleep(HEALTH_SECONDS)
            connection = state.connection
            health = self._health(state, connection)
            if connection is not None and (
                time.monotonic() - connection.last_media_at > settings.LIVE_STALL_SECONDS
            ):
                state.drop_reason = Reason.STALLED
                await connection.close("no media for too long")
            alive = await sync_to_async(sessions.session_renew)(
                session_id=state.session_id, held=self.held, health=health
            )
            if not alive:  # ended elsewhere (an operator in the admin, another ingest)
                async with self.locks[state.channel_id]:
                    if self.states.get(state.channel_id) is state:
                        await self._finish(state, Reason.ENDED_BY_STAFF, "")
                return

    @staticmethod
    def _health(state: ChannelState, connection: Connection | None) -> dict[str, object]:
        """Return the figures the owner page shows (bits/s, frames/s, seconds, a count)."""
        health: dict[str, object] = {"keyframe_warning": state.packager.keyframe_warning}
        if connection is None:
            return health
        stats = connection.stats.snapshot()
        kbps = stats.get("bitrate_kbps")
        health.update(
            bitrate=round(kbps * 1000) if isinstance(kbps, int | float) else None,
            frame_rate=stats.get("fps"),
            keyframe_interval=stats.get("keyframe_interval_s"),
            dropped_frames=stats.get("dropped_frames"),
            declared_frame_rate=stats.get("declared_fps"),
            width=stats.get("width"),
            height=stats.get("height"),
        )
        return health

    async def _capture_thumbnails(self, state: ChannelState) -> None:
        from django_q.tasks import async_task

        while True:
            latest = state.packager.latest_segment
            if latest is not None:
                await sync_to_async(async_task)(
                    "live.tasks.capture_thumbnail", state.session_id, *latest, cluster="live"
                )
                await asyncio.sleep(settings.LIVE_THUMBNAIL_SECONDS)
            else:
                await asyncio.sleep(1)

    # --- start and stop ---

    async def recover_orphans(self) -> None:
        """End the sessions a previous ingest left behind and write the replays it owed.

        Those are the sessions whose holder is gone, and the ended ones whose replay was not
        written (storage failing at the time) while their journal is still on this disk.
        """
        for session in await sync_to_async(sessions.orphans)(held=self.held):
            log.info("session %s: its ingest is gone; ending it", session.pk)
            await sync_to_async(sessions.session_end)(
                session_id=session.pk, reason=Reason.INGEST_RESTARTED
            )
        local = [path.name for path in self.work_root.iterdir() if path.is_dir()]
        for session in await sync_to_async(sessions.replays_owed)(session_ids=local):
            try:
                replay = await asyncio.to_thread(
                    finish_orphan, session.output_prefix, self.work_root / session.pk
                )
            except Exception:  # robust: serve the live channels; the journal stays for later
                log.exception("session %s: its replay could not be written", session.pk)
                continue
            await self._publish(session.pk, replay)

    async def shutdown(self) -> None:
        """End every session on this process (replays written) before the ingest exits."""
        for channel_id in list(self.states):
            async with self.locks[channel_id]:
                state = self.states.get(channel_id)
                if state is not None:
                    await self._finish(state, Reason.INGEST_RESTARTED, "the ingest server stopped")
