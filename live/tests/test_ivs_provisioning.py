"""IVS channels: provisioned with the channel (or after approval), deleted with it, keys rotated.

Requests are checked against botocore's real ``ivs``/``ivschat`` models by the Stubber.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY

from accounts.models import User
from live import services, sessions
from live.backends.ivs import IvsLiveBackend
from live.errors import ChannelLimitReached, NotProvisioned
from live.models import Channel
from live.tests.ivs_helpers import (
    ACCOUNT,
    CHANNEL_ARN,
    INGEST,
    PLAYBACK,
    RECORDING_ARN,
    REGION,
    ROOM_ARN,
    STREAM_KEY,
    Stubs,
    expect_create_channel,
    expect_deprovision,
    expect_provision,
    ivs_settings,
    ivs_stubs,
)

__all__ = ["ivs_settings", "ivs_stubs"]  # fixtures

pytestmark = pytest.mark.django_db


def create(owner: User, slug: str = "alice-ivs") -> Channel:
    return services.channel_create(owner=owner, slug=slug, title="Alice on IVS")


def test_a_new_channel_is_provisioned_at_ivs(user: User, ivs_stubs: Stubs) -> None:
    expect_provision(ivs_stubs)
    channel = create(user)
    channel.refresh_from_db()
    assert (channel.backend, channel.provisioning) == ("ivs", "ready")
    assert channel.backend_ref == CHANNEL_ARN
    assert channel.backend_data["room_arn"] == ROOM_ARN
    assert channel.backend_data["playback_url"] == PLAYBACK
    assert services.stream_key(channel) == STREAM_KEY
    assert IvsLiveBackend().ingest_url(channel) == f"rtmps://{INGEST}:443/app/"
    # The built-in ingest never admits an IVS channel's key.
    assert sessions.channel_for_key(STREAM_KEY) is None


def test_the_operator_chooses_the_channel_type(user: User, ivs_stubs: Stubs, settings: Any) -> None:
    settings.IVS_CHANNEL_TYPE = "ADVANCED_HD"
    expect_create_channel(ivs_stubs, channel_type="ADVANCED_HD")
    ivs_stubs.chat.add_response("create_room", {"arn": ROOM_ARN}, {"name": ANY, "tags": ANY})
    assert create(user).backend_data["type"] == "ADVANCED_HD"


def test_a_recording_configuration_of_its_own_when_only_a_bucket_is_set(
    user: User, ivs_stubs: Stubs, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IVS_RECORDING_CONFIGURATION_ARN = ""
    settings.IVS_RECORDING_BUCKET = "onair-media"
    own = f"arn:aws:ivs:{REGION}:{ACCOUNT}:recording-configuration/Own123"
    ivs_stubs.ivs.add_response(
        "create_recording_configuration",
        {"recordingConfiguration": {
            "arn": own, "state": "CREATING",
            "destinationConfiguration": {"s3": {"bucketName": "onair-media"}},
        }},
        {
            "name": ANY,
            "destinationConfiguration": {"s3": {"bucketName": "onair-media"}},
            "thumbnailConfiguration": {
                "recordingMode": "INTERVAL", "targetIntervalSeconds": 60, "storage": ["SEQUENTIAL"],
            },
            "renditionConfiguration": {"renditionSelection": "ALL"},
            "recordingReconnectWindowSeconds": settings.LIVE_RECONNECT_GRACE_SECONDS,
            "tags": ANY,
        },
    )  # fmt: skip
    active = {
        "arn": own,
        "state": "ACTIVE",
        "destinationConfiguration": {"s3": {"bucketName": "onair-media"}},
    }
    ivs_stubs.ivs.add_response(
        "get_recording_configuration", {"recordingConfiguration": active}, {"arn": own}
    )
    ivs_stubs.ivs.add_response(
        "create_channel",
        {"channel": {"arn": CHANNEL_ARN, "ingestEndpoint": INGEST},
         "streamKey": {"value": STREAM_KEY}},
        {"name": ANY, "latencyMode": "LOW", "type": "STANDARD", "recordingConfigurationArn": own,
         "tags": ANY},
    )  # fmt: skip
    ivs_stubs.chat.add_response("create_room", {"arn": ROOM_ARN}, {"name": ANY, "tags": ANY})
    IvsLiveBackend.wait_seconds = 0.0
    try:
        channel = create(user)
    finally:
        IvsLiveBackend.wait_seconds = 1.0
    assert channel.backend_data["owns_recording_configuration"] is True
    # Deleting the channel deletes the configuration it owns, after the channel.
    expect_deprovision(ivs_stubs)
    ivs_stubs.ivs.add_response("delete_recording_configuration", {}, {"arn": own})
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_delete(channel=channel)
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_a_failure_undoes_what_was_made_and_says_why(user: User, ivs_stubs: Stubs) -> None:
    expect_create_channel(ivs_stubs)
    ivs_stubs.chat.add_client_error(
        "create_room", "ServiceQuotaExceededException", "Room quota exceeded", 402
    )
    ivs_stubs.ivs.add_response("delete_channel", {}, {"arn": CHANNEL_ARN})  # the undo
    channel = create(user)
    channel.refresh_from_db()
    assert channel.provisioning == "failed"
    assert "Room quota exceeded" in channel.provisioning_detail
    assert (channel.backend_ref, channel.backend_data) == ("", {})
    with pytest.raises(NotProvisioned, match="failed"):
        services.stream_key(channel)
    # An operator retries once the quota is raised.
    expect_provision(ivs_stubs)
    services.channel_provision(channel=channel)
    assert (channel.provisioning, channel.backend_ref) == ("ready", CHANNEL_ARN)


def test_the_owner_sees_why_there_is_no_key_yet(
    user: User, alice: Any, alice_api: Any, ivs_stubs: Stubs, settings: Any
) -> None:
    settings.IVS_REQUIRE_APPROVAL = True
    create(user)
    page = alice.get("/me/channels/alice-ivs/").content.decode()
    assert "no stream key yet: awaiting an operator&#x27;s approval" in page
    assert 'id="stream-key-value"' not in page
    assert alice_api.get("/api/channels/alice-ivs/").json()["provisioning"] == "awaiting_approval"
    refused = alice_api.get("/api/channels/alice-ivs/stream-key/")
    assert refused.status_code == 409
    assert "awaiting an operator" in refused.json()["detail"]
    rotated = alice.post("/me/channels/alice-ivs/rotate/", follow=True).content.decode()
    assert "no stream key yet" in rotated


def test_approval_holds_provisioning_back(
    user: User, ivs_stubs: Stubs, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IVS_REQUIRE_APPROVAL = True
    channel = create(user)  # no IVS call queued: any call would fail the test
    assert channel.provisioning == "awaiting_approval"
    with pytest.raises(NotProvisioned, match="approval"):
        services.stream_key(channel)
    with pytest.raises(NotProvisioned):
        services.stream_key_rotate(channel=channel)
    expect_provision(ivs_stubs)
    services.channel_provision(channel=channel)
    assert services.stream_key(channel) == STREAM_KEY
    services.channel_provision(channel=channel)  # already ready: no second IVS channel
    # Deleting a channel never provisioned calls IVS for nothing.
    other = create(user, "alice-two")
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_delete(channel=other)


def test_the_channel_limit_counts_before_any_ivs_call(
    user: User, ivs_stubs: Stubs, settings: Any
) -> None:
    settings.LIVE_CHANNELS_PER_USER = 1
    expect_provision(ivs_stubs)
    create(user)
    with pytest.raises(ChannelLimitReached):
        create(user, "alice-two")


def test_deleting_the_channel_deletes_its_ivs_resources(
    user: User, ivs_stubs: Stubs, django_capture_on_commit_callbacks: Any
) -> None:
    expect_provision(ivs_stubs)
    channel = create(user)
    expect_deprovision(ivs_stubs)
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_delete(channel=channel)
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_rotating_the_key_replaces_it_at_ivs(
    user: User, ivs_stubs: Stubs, django_capture_on_commit_callbacks: Any
) -> None:
    expect_provision(ivs_stubs)
    channel = create(user)
    old = f"arn:aws:ivs:{REGION}:{ACCOUNT}:stream-key/k1"
    ivs_stubs.ivs.add_response(
        "list_stream_keys", {"streamKeys": [{"arn": old, "channelArn": CHANNEL_ARN}]},
        {"channelArn": CHANNEL_ARN},
    )  # fmt: skip
    ivs_stubs.ivs.add_response("delete_stream_key", {}, {"arn": old})
    new_key = "sk_us-west-2_new0123456789"
    ivs_stubs.ivs.add_response(
        "create_stream_key", {"streamKey": {"value": new_key}},
        {"channelArn": CHANNEL_ARN, "tags": ANY},
    )  # fmt: skip
    # After the commit, a stream still on the old key is stopped (none is: that is fine).
    ivs_stubs.ivs.add_client_error(
        "stop_stream", "ChannelNotBroadcasting", "not live", 404,
        expected_params={"channelArn": CHANNEL_ARN},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert services.stream_key_rotate(channel=channel) == new_key
    channel.refresh_from_db()
    assert services.stream_key(channel) == new_key


def test_a_failed_rotation_keeps_the_old_key(user: User, ivs_stubs: Stubs) -> None:
    expect_provision(ivs_stubs)
    channel = create(user)
    ivs_stubs.ivs.add_client_error("list_stream_keys", "AccessDeniedException", "denied", 403)
    with pytest.raises(Exception, match="could not rotate the stream key"):
        services.stream_key_rotate(channel=channel)
    channel.refresh_from_db()
    assert services.stream_key(channel) == STREAM_KEY


def test_ending_a_session_stops_the_stream(user: User, ivs_stubs: Stubs) -> None:
    expect_provision(ivs_stubs)
    channel = create(user)
    session = sessions.remote_session_start(
        channel_id=channel.pk, stream_ref="st-abc", hls_url=PLAYBACK
    )
    assert session is not None
    ivs_stubs.ivs.add_response("stop_stream", {}, {"channelArn": CHANNEL_ARN})
    channel.refresh_from_db()
    services.session_request_end(channel=channel, reason="ended_by_owner")


def test_recording_configuration_arn_is_shared_and_kept(
    user: User, ivs_stubs: Stubs, django_capture_on_commit_callbacks: Any
) -> None:
    expect_provision(ivs_stubs)
    channel = create(user)
    assert channel.backend_data["recording_configuration_arn"] == RECORDING_ARN
    assert channel.backend_data["owns_recording_configuration"] is False
    expect_deprovision(ivs_stubs)  # and no delete_recording_configuration
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_delete(channel=channel)


def test_a_channel_deleted_while_provisioning_leaves_nothing_at_ivs(
    user: User, ivs_stubs: Stubs, monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    provision = IvsLiveBackend.provision

    def deleted_meanwhile(self: IvsLiveBackend, *, channel_id: str) -> Any:
        made = provision(self, channel_id=channel_id)
        with django_capture_on_commit_callbacks(execute=True):  # nothing to undo yet
            services.channel_delete(channel=Channel.objects.get(pk=channel_id))
        return made

    monkeypatch.setattr(IvsLiveBackend, "provision", deleted_meanwhile)
    expect_provision(ivs_stubs)
    expect_deprovision(ivs_stubs)  # what the late provisioning made goes again
    create(user)
    assert not Channel.objects.exists()


def test_a_provisioning_cut_short_can_be_run_again_once_stale(user: User, ivs_stubs: Stubs) -> None:
    from datetime import timedelta

    from django.utils import timezone

    expect_provision(ivs_stubs)
    channel = create(user)
    # As a process that died between its IVS calls and its write leaves the row:
    started = timezone.now() - timedelta(minutes=3)
    Channel.objects.filter(pk=channel.pk).update(
        provisioning="provisioning", provisioning_started=started, backend_ref=""
    )
    services.channel_provision(channel=channel)  # maybe still running: left alone
    assert channel.provisioning == "provisioning"
    Channel.objects.filter(pk=channel.pk).update(
        provisioning_started=started - services.PROVISIONING_STALE
    )
    expect_provision(ivs_stubs)
    services.channel_provision(channel=channel)
    assert (channel.provisioning, channel.backend_ref) == ("ready", CHANNEL_ARN)
