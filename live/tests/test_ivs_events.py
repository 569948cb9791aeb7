"""IVS's EventBridge events, dispatched as the webhook does: live, offline, bad events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from config.aws.events import dispatch
from config.tests import sns_signing
from config.tests.sns_signing import SnsSigner
from live import selectors
from live.ivs.events import InvalidEvent
from live.models import Channel, LiveSession
from live.tests.factories import create_channel
from live.tests.ivs_helpers import (
    ACCOUNT,
    CHANNEL_ARN,
    PLAYBACK,
    REGION,
    ROOM_ARN,
    recording_event,
    recording_prefix,
    stream_event,
)

pytestmark = pytest.mark.django_db

OTHER_ARN = f"arn:aws:ivs:{REGION}:{ACCOUNT}:channel/Zz9Yy8Xx7Ww6"


@pytest.fixture
def ivs_channel(user: User) -> Channel:
    """A channel as provisioning leaves it (IVS calls are the provisioning tests' business)."""
    data = {"playback_url": PLAYBACK, "room_arn": ROOM_ARN, "ingest_endpoint": "x.net"}
    return create_channel(user, backend="ivs", backend_ref=CHANNEL_ARN, backend_data=data)


def status(channel: Channel) -> tuple[bool, str | None]:
    channel.refresh_from_db()
    return channel.is_live, selectors.hls_url(channel)


def test_stream_start_and_end_turn_the_channel_live_and_offline(
    ivs_channel: Channel, bus_messages: list[Any]
) -> None:
    dispatch(stream_event("Session Created"))
    assert status(ivs_channel) == (False, None)
    dispatch(stream_event("Stream Start"))
    assert status(ivs_channel) == (True, PLAYBACK)
    session = LiveSession.objects.get(channel=ivs_channel)
    assert session.status == "live"
    assert any(m.get("is_live") is True for _, m in bus_messages)  # the page hears of it
    dispatch(stream_event("Stream Start"))  # delivered twice: still one session
    assert LiveSession.objects.filter(channel=ivs_channel).count() == 1
    dispatch(stream_event("Stream End"))
    assert status(ivs_channel) == (False, None)
    session.refresh_from_db()
    assert (session.status, session.end_reason) == ("ended", "unpublished")


def test_an_end_overtaking_its_start_leaves_the_channel_offline(ivs_channel: Channel) -> None:
    dispatch(stream_event("Stream End"))
    dispatch(stream_event("Stream Start"))
    assert status(ivs_channel) == (False, None)
    assert LiveSession.objects.get(channel=ivs_channel).status == "ended"


def test_a_new_stream_ends_the_one_left_open(ivs_channel: Channel) -> None:
    dispatch(stream_event("Stream Start", stream_id="st-first"))
    dispatch(stream_event("Stream Start", stream_id="st-second"))
    rows = dict(LiveSession.objects.values_list("backend_ref", "status"))
    assert rows == {"st-first": "ended", "st-second": "live"}
    assert status(ivs_channel) == (True, PLAYBACK)


def test_a_stream_failure_ends_the_session_with_its_reason(ivs_channel: Channel) -> None:
    dispatch(stream_event("Stream Start"))
    event = stream_event("Stream Failure")
    event["detail"]["reason"] = "Stream takeover"
    dispatch(event)
    session = LiveSession.objects.get(channel=ivs_channel)
    assert (session.end_reason, session.end_detail) == ("dropped", "Stream takeover")


def test_an_unknown_channel_arn_changes_nothing(
    ivs_channel: Channel, caplog: pytest.LogCaptureFixture
) -> None:
    dispatch(stream_event("Stream Start", arn=OTHER_ARN))
    prefix = recording_prefix("Zz9Yy8Xx7Ww6")
    dispatch(recording_event("Recording End", bucket="b", prefix=prefix, arn=OTHER_ARN))
    assert not LiveSession.objects.exists()
    assert status(ivs_channel) == (False, None)
    assert "none of ours" in caplog.text


def test_a_local_channel_is_not_moved_by_ivs_events(user: User) -> None:
    create_channel(user, slug="local-one", backend_ref=CHANNEL_ARN)  # backend stays local
    dispatch(stream_event("Stream Start"))
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("resources"), "resources and a detail"),
        (lambda e: e.update(detail="Stream Start"), "resources and a detail"),
        (lambda e: e.update(resources=["arn:aws:s3:::bucket"]), "no channel ARN"),
        (lambda e: e.update(resources=[CHANNEL_ARN, OTHER_ARN]), "no channel ARN"),
        (lambda e: e["detail"].pop("event_name"), "no event_name"),
        (lambda e: e["detail"].update(stream_id=7), "no stream_id"),
        (lambda e: e["detail"].update(stream_id="../../x"), "not an IVS stream id"),
    ],
)
def test_a_malformed_stream_event_is_refused(
    ivs_channel: Channel, change: Any, message: str
) -> None:
    event = stream_event("Stream Start")
    change(event)
    with pytest.raises(InvalidEvent, match=message):
        dispatch(event)
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize(
    ("prefix", "duration", "message"),
    [
        ("../../videos/secret", 4000, "not under its channel"),
        (f"ivs/v1/{ACCOUNT}/Zz9Yy8Xx7Ww6/2026/1/1/0/0/r1", 4000, "not under its channel"),
        (recording_prefix(), "4000", "recording_duration_ms"),
        (recording_prefix(), -1, "recording_duration_ms"),
    ],
)
def test_a_malformed_recording_event_is_refused(
    ivs_channel: Channel, prefix: str, duration: Any, message: str
) -> None:
    dispatch(stream_event("Stream Start"))
    event = recording_event("Recording End", bucket="b", prefix=prefix)
    event["detail"]["recording_duration_ms"] = duration
    with pytest.raises(InvalidEvent, match=message):
        dispatch(event)
    assert LiveSession.objects.get().replay is None


def test_a_recording_in_another_bucket_makes_no_replay(
    ivs_channel: Channel, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.AWS_STORAGE_BUCKET_NAME = "onair-media"
    dispatch(stream_event("Stream Start"))
    dispatch(recording_event("Recording End", bucket="elsewhere", prefix=recording_prefix()))
    assert LiveSession.objects.get().replay is None
    assert "not the media bucket" in caplog.text


@pytest.mark.parametrize(
    "master",
    [
        None,  # IVS said it ended, but nothing is in the bucket (yet)
        b"#EXTM3U\n#EXTINF:1.0,\n0.ts\n",  # a media playlist, not a master
        b"#EXTM3U\n" + b"#" * 70_000,  # oversized
    ],
)
def test_an_unreadable_recording_makes_no_replay_and_can_be_retried(
    ivs_channel: Channel, settings: Any, master: bytes | None
) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from catalog.models import Video
    from live.ivs.recordings import RecordingUnreadable

    settings.AWS_STORAGE_BUCKET_NAME = "onair-media"
    settings.LIVE_MIN_REPLAY_SECONDS = 1
    prefix = recording_prefix()
    if master is not None:
        default_storage.save(f"{prefix}/media/hls/master.m3u8", ContentFile(master))
    dispatch(stream_event("Stream Start"))
    with pytest.raises(RecordingUnreadable):
        dispatch(recording_event("Recording End", bucket="onair-media", prefix=prefix))
    assert LiveSession.objects.get().replay is None
    assert not Video.objects.exists()


def test_a_short_recording_makes_no_replay(ivs_channel: Channel, settings: Any) -> None:
    settings.AWS_STORAGE_BUCKET_NAME = "onair-media"
    settings.LIVE_MIN_REPLAY_SECONDS = 5
    dispatch(stream_event("Stream Start"))
    event = recording_event(
        "Recording End", bucket="onair-media", prefix=recording_prefix(), duration_ms=4000
    )
    dispatch(event)  # no storage read at all: nothing is in it
    assert LiveSession.objects.get().replay is None


def test_live_thumbnails_go_to_moderation_once_each(ivs_channel: Channel, settings: Any) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from live import hooks
    from live.ivs import tasks

    prefix = recording_prefix()
    folder = f"{prefix}/media/thumbnails/720p30"
    seen: list[str] = []

    def review(sender: Any, *, session: LiveSession, name: str, **kw: Any) -> None:
        seen.append(name.rsplit("/", 1)[-1])

    dispatch(stream_event("Stream Start"))
    dispatch(recording_event("Recording Start", bucket="b", prefix=prefix, duration_ms=0))
    hooks.thumbnail_captured.connect(review)
    try:
        assert tasks.review_live_thumbnails() == 0  # nothing written yet
        for i in (0, 1):
            default_storage.save(f"{folder}/thumb{i}.jpg", ContentFile(b"jpeg"))
        default_storage.save(f"{prefix}/media/thumbnails/160p30/thumb9.jpg", ContentFile(b"x"))
        assert tasks.review_live_thumbnails() == 2
        for i in (2, 10):  # thumb10 sorts after thumb2, by number
            default_storage.save(f"{folder}/thumb{i}.jpg", ContentFile(b"jpeg"))
        assert tasks.review_live_thumbnails() == 2
        session = LiveSession.objects.get()
        assert tasks.review_thumbnails(session.pk) == 0  # the recording's end: none left
    finally:
        hooks.thumbnail_captured.disconnect(review)
    assert seen == ["thumb0.jpg", "thumb1.jpg", "thumb2.jpg", "thumb10.jpg"]


def test_ivs_events_arrive_through_the_signed_webhook(
    ivs_channel: Channel, bus_messages: list[Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EventBridge → SNS → /hooks/aws/sns/: signed with a certificate the test makes.
    settings.AWS_SNS_TOPIC_ARNS = [sns_signing.TOPIC]
    signer = SnsSigner()
    signer.install(monkeypatch)

    def deliver(event: dict[str, Any]) -> Any:
        body = json.dumps(signer.sign(sns_signing.notification(event)))
        return Client().post(sns_signing.HOOK, body, content_type="text/plain")

    assert deliver(stream_event("Stream Start")).status_code == 200
    assert status(ivs_channel) == (True, PLAYBACK)
    malformed = stream_event("Stream End")
    malformed["detail"]["stream_id"] = "../../x"
    refused = deliver(malformed)  # SNS would retry a 5xx; this can never succeed
    assert refused.status_code == 400 and "not an IVS stream id" in refused.json()["detail"]
    assert deliver(stream_event("Stream End")).status_code == 200
    assert status(ivs_channel) == (False, None)
