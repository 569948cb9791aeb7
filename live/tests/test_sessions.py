"""Live sessions: admitted, playable, reconnecting, ended, replayed, and orphans found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Video
from catalog.transcoding import holder as holders
from catalog.transcoding.backends.base import RenditionOutput
from live import services, sessions
from live.models import Channel, ChatMessage, LiveSession
from live.packaging.replay import ReplayOutput
from live.packaging.timeline import Stretch
from moderation.models import Ban

Reason = LiveSession.EndReason


@pytest.fixture
def channel(user) -> Channel:
    return services.channel_create(owner=user, slug="alice-live", title="Alice live")


def me() -> holders.Holder | None:
    return holders.current()


def dead_holder() -> holders.Holder:
    """A holder on this machine whose process no longer exists (pid far above pid_max)."""
    current = holders.current()
    assert current is not None
    return holders.Holder(current.host, 4_000_000, 1)


def test_channel_for_key_finds_only_the_current_key(channel) -> None:
    key = services.stream_key(channel)
    assert sessions.channel_for_key(key) == channel
    services.stream_key_rotate(channel=channel)
    assert sessions.channel_for_key(key) is None
    channel.refresh_from_db()
    assert sessions.channel_for_key(services.stream_key(channel)) == channel
    assert sessions.channel_for_key("live_" + "A" * 32) is None
    assert sessions.channel_for_key("x" * 5000) is None


def test_a_session_is_live_for_viewers_once_playable(channel) -> None:
    session = sessions.session_open(channel_id=channel.pk, held=me())
    channel.refresh_from_db()
    assert not channel.is_live  # nothing to play yet
    assert session.output_prefix == f"live/{channel.pk}/{session.pk}"
    sessions.session_playable(session_id=session.pk, hls_path=f"{session.output_prefix}/live.m3u8")
    channel.refresh_from_db()
    assert channel.is_live and channel.current_session_id == session.pk


def test_a_reconnect_by_the_same_holder_continues_the_session(channel) -> None:
    first = sessions.session_open(channel_id=channel.pk, held=me())
    sessions.session_reconnecting(session_id=first.pk)
    again = sessions.session_open(channel_id=channel.pk, held=me())
    assert again.pk == first.pk
    assert LiveSession.objects.get(pk=first.pk).status == LiveSession.Status.LIVE


def test_a_session_held_by_a_live_ingest_elsewhere_refuses_a_second(channel) -> None:
    sessions.session_open(channel_id=channel.pk, held=me())
    with pytest.raises(sessions.AlreadyLive):
        sessions.session_open(channel_id=channel.pk, held=None)


def test_an_abandoned_session_is_ended_by_the_next_one(channel) -> None:
    old = sessions.session_open(channel_id=channel.pk, held=dead_holder())
    new = sessions.session_open(channel_id=channel.pk, held=me())
    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.status == LiveSession.Status.ENDED and old.end_reason == Reason.INGEST_RESTARTED


def test_end_shows_the_channel_offline_once(channel) -> None:
    session = sessions.session_open(channel_id=channel.pk, held=me())
    sessions.session_playable(session_id=session.pk, hls_path="x.m3u8")
    assert sessions.session_end(session_id=session.pk, reason=Reason.UNPUBLISHED) is not None
    assert sessions.session_end(session_id=session.pk, reason=Reason.DROPPED) is None
    channel.refresh_from_db()
    session.refresh_from_db()
    assert not channel.is_live and channel.current_session is None
    assert session.end_reason == Reason.UNPUBLISHED and session.ended is not None
    assert not sessions.session_renew(session_id=session.pk, held=me(), health={})


def test_renew_records_health_and_extends_the_lease(channel) -> None:
    session = sessions.session_open(channel_id=channel.pk, held=me())
    LiveSession.objects.filter(pk=session.pk).update(lease_expires_at=timezone.now())
    assert sessions.session_renew(session_id=session.pk, held=me(), health={"fps": 30.0})
    session.refresh_from_db()
    assert session.health == {"fps": 30.0}
    assert session.lease_expires_at is not None
    assert session.lease_expires_at > timezone.now() + timedelta(seconds=5)


def test_orphans_are_sessions_of_gone_holders_or_expired_leases(channel, other_user) -> None:
    mine = sessions.session_open(channel_id=channel.pk, held=me())
    other = services.channel_create(owner=other_user, slug="bob-live", title="Bob")
    gone = sessions.session_open(channel_id=other.pk, held=dead_holder())
    assert [s.pk for s in sessions.orphans(held=me())] == [gone.pk]
    LiveSession.objects.filter(pk=mine.pk).update(lease_expires_at=timezone.now())
    assert {s.pk for s in sessions.orphans(held=None)} == {gone.pk, mine.pk}


def test_replay_publish_makes_a_ready_replay_with_the_channel_visibility(channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(replay_visibility=Video.Visibility.UNLISTED)
    session = sessions.session_open(channel_id=channel.pk, held=me())
    sessions.session_end(session_id=session.pk, reason=Reason.UNPUBLISHED)
    prefix = session.output_prefix
    replay = ReplayOutput(
        master=f"{prefix}/replay.m3u8",
        renditions=[
            RenditionOutput(f"{prefix}/replay_0.m3u8", 2_000_000, "avc1.64001e", 10, 640, 360),
            RenditionOutput(f"{prefix}/replay_1.m3u8", 500_000, "avc1.64000d", 5, 426, 240),
        ],
        duration=12.5,
        poster=f"{prefix}/replay_poster.jpg",
    )
    video = sessions.replay_publish(session_id=session.pk, replay=replay)
    assert video is not None
    assert video.kind == Video.Kind.REPLAY and video.status == Video.Status.READY
    assert video.visibility == Video.Visibility.UNLISTED and video.owner == channel.owner
    assert video.hls_path == f"{session.output_prefix}/replay.m3u8"
    assert (video.width, video.height, video.duration) == (640, 360, 12.5)
    assert video.renditions.count() == 2
    assert LiveSession.objects.get(pk=session.pk).replay == video
    assert sessions.replay_publish(session_id=session.pk, replay=replay) is None


def test_replays_owed_are_ended_sessions_without_a_replay(channel) -> None:
    live = sessions.session_open(channel_id=channel.pk, held=me())
    assert sessions.replays_owed(session_ids=[live.pk, "unknown"]) == []
    sessions.session_end(session_id=live.pk, reason=Reason.UNPUBLISHED)
    assert sessions.replays_owed(session_ids=[live.pk]) == [live]
    video = Video.objects.create(owner=channel.owner, title="r")
    LiveSession.objects.filter(pk=live.pk).update(replay=video)
    assert sessions.replays_owed(session_ids=[live.pk]) == []


def test_replay_publish_places_the_chat_on_the_replays_timeline(channel, other_user) -> None:
    session = sessions.session_open(channel_id=channel.pk, held=me())
    t0 = session.started + timedelta(seconds=2)  # the first segment, 2 s after the publish
    # Recorded: 10 s, a dropped connection for 20 s, then 5 s more.
    stretches = (Stretch(t0, 0.0, 10.0), Stretch(t0 + timedelta(seconds=30), 10.0, 5.0))
    said = {
        "before the first frame": session.started + timedelta(seconds=1),
        "at 4 s": t0 + timedelta(seconds=4),
        "while reconnecting": t0 + timedelta(seconds=15),
        "after the reconnect": t0 + timedelta(seconds=32.5),
        "after the end": t0 + timedelta(seconds=60),
    }
    for text, moment in said.items():
        ChatMessage.objects.create(
            channel=channel, session=session, author=other_user, text=text, created=moment,
            offset=(moment - session.started).total_seconds(),
        )  # fmt: skip
    sessions.session_end(session_id=session.pk, reason=Reason.UNPUBLISHED)
    prefix = session.output_prefix
    replay = ReplayOutput(
        master=f"{prefix}/replay.m3u8",
        renditions=[RenditionOutput(f"{prefix}/replay_0.m3u8", 1, "avc1.64001e", 10, 640, 360)],
        duration=15.0,
        poster=None,
        timeline=stretches,
    )
    sessions.replay_publish(session_id=session.pk, replay=replay)
    offsets = dict(ChatMessage.objects.values_list("text", "offset"))
    assert offsets == {
        "before the first frame": 0.0,
        "at 4 s": 4.0,
        "while reconnecting": 10.0,  # shown where the replay resumes
        "after the reconnect": 12.5,
        "after the end": 15.0,
    }


def test_deactivated_or_site_banned_owners_may_not_go_live(channel, user) -> None:
    assert sessions.publish_refusal(channel) is None
    Ban.objects.create(user=user, scope=Ban.Scope.CHANNEL, channel=channel)  # not a site ban
    assert sessions.publish_refusal(channel) is None
    ban = Ban.objects.create(user=user, scope=Ban.Scope.SITE)
    assert sessions.publish_refusal(channel) == (
        "This account is banned from the site and may not go live."
    )
    Ban.objects.filter(pk=ban.pk).update(until=timezone.now() - timedelta(seconds=1))
    assert sessions.publish_refusal(channel) is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    channel.refresh_from_db()
    assert sessions.publish_refusal(channel) == "This account may not go live."
