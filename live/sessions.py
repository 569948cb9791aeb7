"""Writes of live sessions: a publisher admitted, the stream playable, reconnecting, ended.

The ingest process (or, for Amazon IVS, whatever learns of the service's stream events)
calls these; each is one short transaction, and the status change reaches the channel's
viewers through the bus after it commits. A session is held like a transcode job: the
holder's process is recorded and the lease renewed with every health report, so a restarted
ingest can end the sessions of a holder that no longer runs.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Video
from catalog.transcoding import holder as holders
from live import events, keys
from live.chat import services as chat_services
from live.models import Channel, LiveSession
from live.packaging.replay import ReplayOutput
from moderation.selectors import site_banned

log = logging.getLogger(__name__)

LEASE_SECONDS = 20  # renewed with each health report (every few seconds)
ENDED = LiveSession.Status.ENDED


class AlreadyLive(Exception):
    """Another ingest process holds a live session of this channel."""


def channel_for_key(key: str) -> Channel | None:
    """Return the channel whose stream key is ``key`` (None for any other key)."""
    if not keys.looks_like_key(key):
        return None
    channel = (
        Channel.objects.select_related("owner")
        .filter(stream_key_hash=keys.lookup_hash(key))
        .first()
    )
    if channel is None or not keys.matches(key, channel.stream_key_encrypted):
        return None
    if channel.backend != Channel.Backend.LOCAL:  # its encoders publish to IVS, not to us
        return None
    return channel


def publish_refusal(channel: Channel) -> str | None:
    """Return why the channel's owner may not go live (a deactivated account, a site ban)."""
    if not channel.owner.is_active:
        return "This account may not go live."
    if site_banned(user_id=channel.owner_id):
        return "This account is banned from the site and may not go live."
    return None


def _hold(session: LiveSession, held: holders.Holder | None, now: Any) -> None:
    session.lease_host = held.host if held else ""
    session.lease_pid = held.pid if held else None
    session.lease_pid_started = held.started if held else None
    session.lease_expires_at = now + timedelta(seconds=LEASE_SECONDS)


def _holder_of(session: LiveSession) -> holders.Holder | None:
    if not session.lease_host or session.lease_pid is None:
        return None
    return holders.Holder(session.lease_host, session.lease_pid, session.lease_pid_started or 0)


def _abandoned(session: LiveSession, now: Any) -> bool:
    held = _holder_of(session)
    if held is not None and holders.gone(held):
        return True
    return session.lease_expires_at is None or session.lease_expires_at < now


def session_open(*, channel_id: str, held: holders.Holder | None) -> LiveSession:
    """Start a session for an admitted publisher, or continue the one waiting for it."""
    now = timezone.now()
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel_id)
        current = channel.sessions.exclude(status=ENDED).order_by("-started").first()
        if current is not None and _holder_of(current) == held and held is not None:
            current.status = LiveSession.Status.LIVE  # a reconnect inside the grace period
            _hold(current, held, now)
            current.save(update_fields=["status", "lease_expires_at"])
            return current
        if current is not None:
            if not _abandoned(current, now):
                raise AlreadyLive(channel_id)
            _end(current, LiveSession.EndReason.INGEST_RESTARTED, "", now)
        session = LiveSession(channel=channel)
        session.output_prefix = f"live/{channel.pk}/{session.pk}"
        _hold(session, held, now)
        session.save(force_insert=True)
    log.info("session %s started on channel %s", session.pk, channel_id)
    return session


def session_playable(*, session_id: str, hls_path: str) -> None:
    """Record the live master playlist and show the channel as live."""
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session_id)
        if session.status == ENDED:
            return
        session.hls_path = hls_path
        session.save(update_fields=["hls_path"])
        channel = Channel.objects.select_for_update().get(pk=session.channel_id)
        channel.is_live = True
        channel.current_session = session
        channel.save(update_fields=["is_live", "current_session"])
        events.announce_status(channel)


def session_renew(*, session_id: str, held: holders.Holder | None, health: dict[str, Any]) -> bool:
    """Renew the holder's lease and record the stream's health; False if it ended meanwhile."""
    now = timezone.now()
    updated = LiveSession.objects.filter(~Q(status=ENDED), pk=session_id).update(
        lease_expires_at=now + timedelta(seconds=LEASE_SECONDS), health=health
    )
    return updated == 1


def session_reconnecting(*, session_id: str) -> None:
    """Note that the publisher dropped: the grace period for a reconnect runs."""
    LiveSession.objects.filter(pk=session_id, status=LiveSession.Status.LIVE).update(
        status=LiveSession.Status.RECONNECTING
    )


def _end(session: LiveSession, reason: str, detail: str, now: Any) -> None:
    session.status = ENDED
    session.ended = now
    session.end_reason = reason
    session.end_detail = detail[:2000]
    session.lease_expires_at = None
    session.save(update_fields=["status", "ended", "end_reason", "end_detail", "lease_expires_at"])
    channel = Channel.objects.select_for_update().get(pk=session.channel_id)
    if channel.current_session_id in (session.pk, None):
        channel.is_live = False
        channel.current_session = None
        channel.save(update_fields=["is_live", "current_session"])
        events.announce_status(channel)


def session_end(*, session_id: str, reason: str, detail: str = "") -> LiveSession | None:
    """End the session (once: None if it had ended already) and show the channel offline."""
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None or session.status == ENDED:
            return None
        _end(session, reason, detail, timezone.now())
    log.info("session %s ended: %s %s", session_id, reason, detail)
    return session


def replay_publish(*, session_id: str, replay: ReplayOutput) -> Video | None:
    """Turn the ended session's packaged output into a ready replay video."""
    session = LiveSession.objects.select_related("channel__owner").filter(pk=session_id).first()
    if session is None or session.replay_id is not None:
        return None
    channel = session.channel
    with transaction.atomic():
        video = catalog_services.video_create_published(
            owner=channel.owner,
            title=f"{channel.title} — {session.started:%Y-%m-%d %H:%M} UTC",
            kind=Video.Kind.REPLAY,
            visibility=channel.replay_visibility,
            prefix=session.output_prefix,
            master=replay.master,
            renditions=replay.renditions,
            poster=replay.poster,
            duration=replay.duration,
        )
        LiveSession.objects.filter(pk=session_id).update(replay=video)
    from live.moderation import replay_hold_reason  # after the ingest's imports settle

    held = replay_hold_reason(session_id)
    if held:  # moderation hid this session's picture: its replay starts private
        catalog_services.video_hold(video=video, reason=held)
    if replay.timeline:
        chat_services.offsets_align(session_id=session_id, timeline=replay.timeline)
    return video


def orphans(*, held: holders.Holder | None) -> list[LiveSession]:
    """Return the unfinished sessions whose holder is gone (or whose lease ran out)."""
    now = timezone.now()
    pending = (
        LiveSession.objects.exclude(status=ENDED)
        .filter(channel__backend=Channel.Backend.LOCAL)  # IVS sessions end by IVS's events
        .select_related("channel")
    )
    return [s for s in pending if _holder_of(s) != held and _abandoned(s, now)]


def replays_owed(*, session_ids: list[str]) -> list[LiveSession]:
    """Return those of ``session_ids`` that ended without a replay being written."""
    return list(LiveSession.objects.filter(pk__in=session_ids, status=ENDED, replay=None))


def thumbnail_set(*, channel_id: str, name: str) -> None:
    """Show ``name`` as the channel's latest thumbnail and delete the one it replaces."""
    with transaction.atomic():
        channel = Channel.objects.select_for_update().filter(pk=channel_id).first()
        if channel is None:
            return
        previous = channel.thumbnail_path
        channel.thumbnail_path = name
        channel.save(update_fields=["thumbnail_path"])
    if previous and previous != name:
        transaction.on_commit(lambda: default_storage.delete(previous), robust=True)


# --- sessions of a streaming service (Amazon IVS), opened and ended by its events ---


def remote_session_start(*, channel_id: str, stream_ref: str, hls_url: str) -> LiveSession | None:
    """Open a session for a stream the service reports started and show the channel live.

    Idempotent per stream (events may arrive twice); None when that stream has already
    ended (its end event overtook its start). Another stream still open is ended first.
    """
    now = timezone.now()
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel_id)
        known = channel.sessions.filter(backend_ref=stream_ref).first()
        if known is not None:
            return None if known.status == ENDED else known
        for stale in channel.sessions.exclude(status=ENDED):
            _end(stale, LiveSession.EndReason.DROPPED, "A newer stream started.", now)
        session = LiveSession(channel=channel, backend_ref=stream_ref, hls_path=hls_url)
        session.save(force_insert=True)
        channel.refresh_from_db(fields=["is_live", "current_session"])
        channel.is_live = True
        channel.current_session = session
        channel.save(update_fields=["is_live", "current_session"])
        events.announce_status(channel)
    log.info("session %s started on channel %s (stream %s)", session.pk, channel_id, stream_ref)
    return session


def remote_session_end(
    *, channel_id: str, stream_ref: str, reason: str, detail: str = ""
) -> LiveSession | None:
    """End the session of a stream the service reports ended (once).

    An end that arrives before its start still leaves an ended session, so that the late
    start does not show the channel live and the recording finds its session.
    """
    session = LiveSession.objects.filter(channel_id=channel_id, backend_ref=stream_ref).first()
    if session is None:
        now = timezone.now()
        return LiveSession.objects.create(
            channel_id=channel_id, backend_ref=stream_ref, status=ENDED, ended=now,
            end_reason=reason, end_detail=detail[:2000],
        )  # fmt: skip
    return session_end(session_id=session.pk, reason=reason, detail=detail)
