"""The whole live path for real: ffmpeg publishes RTMP to ``manage.py ingest``, viewers get HLS.

Each test runs the ingest as its own process on the test database, publishes a generated
stream with ffmpeg exactly as OBS does, and reads what viewers would read: the channel's
state, the playlists in storage (parsed with ``m3u8``), and the replay played by ffmpeg.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import m3u8
import pytest
from django.conf import settings

from catalog.models import Video
from catalog.tests.processes import StartWorker, command_line, descendants, wait_for
from live import services
from live.models import Channel, LiveEvent, LiveSession
from live.tests.ingest_helpers import decoded_seconds, ingest_server, publish
from moderation.models import Ban, Flag

pytestmark = [pytest.mark.media, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# The first two flows run on both databases: between them they make every session write
# (open, playable, renew, end, replay) and bus message; the others repeat those writes in
# other orders, so they run on SQLite only, to keep make test short.
ONE_PASS = pytest.mark.sqlite_pass_only

Reason = LiveSession.EndReason
WAIT = 30.0  # deadlines: each wait ends as soon as its condition holds


def stderr(process: subprocess.Popen[bytes]) -> bytes:
    assert process.stderr is not None
    return process.stderr.read()


def media(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def live_session(channel: Channel) -> LiveSession:
    return LiveSession.objects.filter(channel=channel).latest()


def is_live(channel: Channel) -> bool:
    return Channel.objects.get(pk=channel.pk).is_live


def ended(channel: Channel) -> bool:
    session = LiveSession.objects.filter(channel=channel).order_by("-started").first()
    return session is not None and session.status == LiveSession.Status.ENDED


def variant_playlist(session: LiveSession) -> Path:
    master = m3u8.load(str(media(session.hls_path)))
    assert master.is_variant and master.playlists
    return media(session.output_prefix) / master.playlists[0].uri


def media_sequence(path: Path) -> int:
    return int(m3u8.load(str(path)).media_sequence or 0)


def test_a_published_stream_goes_live_and_its_replay_is_ready_when_it_stops(
    tmp_path: Path, channel: Channel, start_worker: StartWorker
) -> None:
    key = services.stream_key(channel)
    start_worker(Q_CLUSTER_NAME="live", LIVE_WORK_DIR=str(tmp_path / "live"))
    with ingest_server(tmp_path, LIVE_THUMBNAIL_SECONDS="2") as ingest:
        publisher = publish(ingest.url(key), seconds=10)
        wait_for(lambda: is_live(channel), WAIT, "the channel to go live")
        session = live_session(channel)
        playlist = variant_playlist(session)
        first = media_sequence(playlist)
        wait_for(lambda: media_sequence(playlist) > first + 1, WAIT, "segments to advance")
        # Every segment a live playlist names is already in storage, under unique names.
        live = m3u8.load(str(playlist))
        assert live.program_date_time is not None
        for segment in live.segments:
            assert (playlist.parent / segment.uri).is_file()
        # The streamer's page gets the incoming stream's health.
        wait_for(lambda: bool(live_session(channel).health.get("bitrate")), WAIT, "health")
        health = live_session(channel).health
        assert health["keyframe_interval"] == pytest.approx(1.0, abs=0.1)
        assert health["frame_rate"] == pytest.approx(30, abs=5)
        assert not health["keyframe_warning"]
        # The live worker cluster makes a thumbnail for the channel's card.
        wait_for(
            lambda: bool(Channel.objects.get(pk=channel.pk).thumbnail_path),
            WAIT,
            "a live thumbnail",
        )
        assert media(Channel.objects.get(pk=channel.pk).thumbnail_path).stat().st_size > 0

        assert publisher.wait(timeout=WAIT) == 0, publisher.stderr
        wait_for(lambda: live_session(channel).replay_id is not None, WAIT, "the replay")
    session = live_session(channel)
    assert session.status == LiveSession.Status.ENDED
    assert session.end_reason == Reason.UNPUBLISHED
    assert not is_live(channel)
    replay = session.replay
    assert replay is not None
    assert (replay.kind, replay.status, replay.owner) == (
        "replay",
        Video.Status.READY,
        channel.owner,
    )
    assert replay.duration is not None and 8 <= replay.duration <= 11
    assert replay.renditions.count() == 1  # copy only in this test
    vod = m3u8.load(str(media(replay.renditions.get().playlist_path)))
    assert vod.is_endlist and vod.playlist_type == "vod"
    assert decoded_seconds(media(replay.hls_path)) == pytest.approx(replay.duration, abs=0.5)
    assert not (tmp_path / "live" / session.pk).exists()  # the packager's local files
    assert key not in ingest.output()


def test_refusals_one_publisher_per_channel_and_key_rotation(
    tmp_path: Path, channel: Channel, make_channel, other_user
) -> None:
    key = services.stream_key(channel)
    with ingest_server(tmp_path) as ingest:
        wrong = publish(ingest.url("live_" + "x" * 32), seconds=5)
        assert wrong.wait(timeout=10) != 0
        assert b"Invalid stream key" in stderr(wrong)

        first = publish(ingest.url(key))
        wait_for(lambda: is_live(channel), WAIT, "the channel to go live")
        second = publish(ingest.url(key), seconds=5)
        assert second.wait(timeout=10) != 0
        assert b"already live" in stderr(second)
        assert first.poll() is None  # the first publisher streams on

        services.stream_key_rotate(channel=channel)  # reaches the ingest through the bus
        assert first.wait(timeout=10) != 0
        wait_for(lambda: ended(channel), WAIT, "the session to end")
        assert live_session(channel).end_reason == Reason.KEY_ROTATED
        stale = publish(ingest.url(key), seconds=3)
        assert stale.wait(timeout=10) != 0

        banned_owner = make_channel("elsewhere", owner=other_user)
        Ban.objects.create(user=other_user, scope=Ban.Scope.SITE)
        banned = publish(ingest.url(services.stream_key(banned_owner)), seconds=3)
        assert banned.wait(timeout=10) != 0
        assert b"banned from the site and may not go live" in stderr(banned)
        assert not LiveSession.objects.filter(channel=banned_owner).exists()
    assert key not in ingest.output()


@ONE_PASS
def test_the_owner_ends_the_session_from_the_web(tmp_path: Path, channel: Channel) -> None:
    with ingest_server(tmp_path) as ingest:
        publisher = publish(ingest.url(services.stream_key(channel)))
        wait_for(lambda: is_live(channel), WAIT, "the channel to go live")
        services.session_request_end(channel=channel, reason="ended_by_owner")
        assert publisher.wait(timeout=10) != 0
        wait_for(lambda: ended(channel), WAIT, "the session to end")
    assert live_session(channel).end_reason == Reason.ENDED_BY_OWNER


@ONE_PASS
def test_moderation_ends_a_stream_whose_picture_breaks_the_rules_and_holds_its_replay(
    tmp_path: Path, channel: Channel, start_worker: StartWorker
) -> None:
    # The live worker's classifier answers "explicit nudity, 95 %" (moderation/tests/fakes.py):
    # the rest (sampler, task, policy, flag, the ingest told to drop, the replay) is real.
    labels = '{"image": [["explicit_nudity", 0.95]]}'
    start_worker(
        Q_CLUSTER_NAME="live",
        LIVE_WORK_DIR=str(tmp_path / "live"),
        MODERATION_SCRIPTED_LABELS=labels,
    )
    # Every replay is kept, however short: moderation ends this one within seconds.
    with ingest_server(tmp_path, LIVE_THUMBNAIL_SECONDS="2", LIVE_MIN_REPLAY_SECONDS="1") as ingest:
        publisher = publish(ingest.url(services.stream_key(channel)), seconds=60)
        wait_for(lambda: is_live(channel), WAIT, "the channel to go live")
        wait_for(lambda: ended(channel), WAIT, "moderation to end the stream")
        assert publisher.wait(timeout=10) != 0  # cut off by the ingest
        wait_for(lambda: live_session(channel).replay_id is not None, WAIT, "the replay")
    session = live_session(channel)
    assert session.end_reason == Reason.MODERATION
    flag = Flag.objects.get(item_kind="live_session", item_id=session.pk)
    assert (flag.top_label, flag.action, flag.owner_id) == (
        "explicit_nudity",
        "end_stream",
        channel.owner_id,
    )
    assert media(flag.evidence_image).stat().st_size > 0
    replay = session.replay
    assert replay is not None and replay.visibility == Video.Visibility.PRIVATE
    assert "explicit nudity" in replay.held_reason
    told = LiveEvent.objects.filter(payload__icontains="Moderation ended this stream")
    assert told.exists()  # the chat's system line, relayed to every process's sockets


@ONE_PASS
def test_a_dropped_publisher_that_reconnects_continues_the_session(
    tmp_path: Path, channel: Channel
) -> None:
    key = services.stream_key(channel)
    with ingest_server(tmp_path, LIVE_STALL_SECONDS="2") as ingest:
        first = publish(ingest.url(key))
        wait_for(lambda: is_live(channel), WAIT, "the channel to go live")
        # A frozen encoder (its socket open, no media): dropped, and the session waits.
        first.send_signal(signal.SIGSTOP)
        wait_for(
            lambda: live_session(channel).status == LiveSession.Status.RECONNECTING,
            WAIT,
            "the stalled publisher to be dropped",
        )
        first.kill()
        first.wait()
        second = publish(ingest.url(key), seconds=4)
        wait_for(
            lambda: live_session(channel).status == LiveSession.Status.LIVE,
            WAIT,
            "the reconnect to continue the session",
        )
        assert second.wait(timeout=WAIT) == 0
        wait_for(lambda: live_session(channel).replay_id is not None, WAIT, "the replay")
    assert LiveSession.objects.filter(channel=channel).count() == 1
    session = live_session(channel)
    assert session.end_reason == Reason.UNPUBLISHED
    assert session.replay is not None
    vod = m3u8.load(str(media(session.replay.renditions.get().playlist_path)))
    assert any(segment.discontinuity for segment in vod.segments)
    assert decoded_seconds(media(session.replay.hls_path)) == pytest.approx(
        session.replay.duration, abs=0.5
    )


@ONE_PASS
def test_a_restarted_ingest_ends_its_orphaned_session_and_keeps_the_replay(
    tmp_path: Path, channel: Channel
) -> None:
    key = services.stream_key(channel)
    with ingest_server(tmp_path, LIVE_MIN_REPLAY_SECONDS="1") as ingest:
        publisher = publish(ingest.url(key))
        wait_for(lambda: is_live(channel), WAIT, "the channel to go live")
        session = live_session(channel)
        playlist = variant_playlist(session)
        first = media_sequence(playlist)
        wait_for(lambda: media_sequence(playlist) > first + 1, WAIT, "segments to advance")
        ingest.process.kill()  # no clean-up of any kind
        ingest.process.wait()
        publisher.wait(timeout=WAIT)
    assert live_session(channel).status != LiveSession.Status.ENDED
    with ingest_server(tmp_path, LIVE_MIN_REPLAY_SECONDS="1"):
        wait_for(lambda: live_session(channel).replay_id is not None, WAIT, "the orphan's replay")
    session = live_session(channel)
    assert session.end_reason == Reason.INGEST_RESTARTED
    assert not is_live(channel)
    assert session.replay is not None and session.replay.status == Video.Status.READY
    assert decoded_seconds(media(session.replay.hls_path)) > 1


@ONE_PASS
def test_the_full_ladder_adds_lower_rungs_to_the_copied_source(
    tmp_path: Path, channel: Channel
) -> None:
    with ingest_server(tmp_path, LIVE_TRANSCODE_LADDER="true") as ingest:
        publisher = publish(ingest.url(services.stream_key(channel)), seconds=6)
        wait_for(lambda: is_live(channel), WAIT, "the channel to go live")
        master = m3u8.load(str(media(live_session(channel).hls_path)))
        heights = sorted(
            p.stream_info.resolution[1] for p in master.playlists if p.stream_info.resolution
        )
        assert heights == [240, 360]
        assert publisher.wait(timeout=WAIT) == 0
        wait_for(lambda: live_session(channel).replay_id is not None, WAIT, "the replay")
    replay = live_session(channel).replay
    assert replay is not None
    assert sorted(r.height or 0 for r in replay.renditions.all()) == [240, 360]
    assert decoded_seconds(media(replay.hls_path)) == pytest.approx(replay.duration, abs=0.5)


@ONE_PASS
def test_channels_stream_side_by_side_and_a_dead_packager_ends_only_its_own(
    tmp_path: Path, channel: Channel, make_channel
) -> None:
    other = make_channel("second-studio")
    with ingest_server(tmp_path) as ingest:
        publishers = [publish(ingest.url(services.stream_key(c))) for c in (channel, other)]
        wait_for(lambda: is_live(channel) and is_live(other), WAIT, "both channels to go live")
        doomed = live_session(channel)
        packagers = [
            pid
            for pid in descendants(ingest.process.pid)
            if doomed.pk in command_line(pid) and "ffmpeg" in command_line(pid)
        ]
        assert len(packagers) == 1
        os.kill(packagers[0], signal.SIGKILL)
        wait_for(lambda: ended(channel), WAIT, "the session whose packager died to end")
        assert live_session(channel).end_reason == Reason.PACKAGER_FAILED
        assert "ffmpeg" in live_session(channel).end_detail
        assert publishers[0].wait(timeout=WAIT) != 0  # its encoder is told and let go
        # The other channel streams on.
        playlist = variant_playlist(live_session(other))
        first = media_sequence(playlist)
        wait_for(lambda: media_sequence(playlist) > first + 1, WAIT, "the other to go on")
        assert publishers[1].poll() is None
        publishers[1].terminate()
        publishers[1].wait()
    assert "Traceback" not in ingest.output()
