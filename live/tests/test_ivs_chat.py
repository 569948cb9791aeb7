"""IVS Chat: tokens by role from ``POST /api/channels/{slug}/chat-token/``, bans mirrored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import ANY
from rest_framework.test import APIClient

from accounts.models import User
from live import services
from live.chat import services as chat_services
from live.chat.roles import role_of
from live.ivs import chat
from live.models import Channel, ChannelModerator
from live.tests.factories import create_channel
from live.tests.ivs_helpers import CHANNEL_ARN, ROOM_ARN, Stubs, ivs_settings, ivs_stubs

__all__ = ["ivs_settings", "ivs_stubs"]  # fixtures

pytestmark = pytest.mark.django_db

URL = "/api/channels/alice-ivs/chat-token/"


@pytest.fixture
def ivs_channel(user: User, ivs_settings: Any) -> Channel:
    ivs_settings.LIVE_BACKEND = "local"  # made as provisioning leaves it, without IVS calls
    data = {"room_arn": ROOM_ARN, "playback_url": "https://p/x.m3u8"}
    return create_channel(
        user, slug="alice-ivs", backend="ivs", backend_ref=CHANNEL_ARN, backend_data=data
    )


def expect_token(stubs: Stubs, user: User, capabilities: list[str]) -> None:
    now = datetime.now(UTC)
    answer = {
        "token": "ACEStoken",
        "tokenExpirationTime": now + timedelta(minutes=1),
        "sessionExpirationTime": now + timedelta(minutes=60),
    }
    params = {
        "roomIdentifier": ROOM_ARN,
        "userId": str(user.pk),
        "capabilities": capabilities,
        "sessionDurationInMinutes": 60,
        "attributes": {"username": user.username},
    }
    stubs.chat.add_response("create_chat_token", answer, params)


def test_a_viewer_may_send(
    ivs_channel: Channel, ivs_stubs: Stubs, other_user: User, bob_api: APIClient
) -> None:
    expect_token(ivs_stubs, other_user, chat.VIEWER)
    response = bob_api.post(URL)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["token"], body["capabilities"], body["region"]) == (
        "ACEStoken", ["SEND_MESSAGE"], "us-west-2",
    )  # fmt: skip
    assert response["Cache-Control"] == "no-store"


def test_the_owner_and_moderators_may_delete_and_disconnect(
    ivs_channel: Channel, ivs_stubs: Stubs, user: User, other_user: User,
    alice_api: APIClient, bob_api: APIClient,
) -> None:  # fmt: skip
    expect_token(ivs_stubs, user, chat.MODERATOR)
    assert alice_api.post(URL).json()["capabilities"] == [
        "SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER",
    ]  # fmt: skip
    ChannelModerator.objects.create(channel=ivs_channel, user=other_user)
    expect_token(ivs_stubs, other_user, chat.MODERATOR)
    assert bob_api.post(URL).status_code == 201


def test_anonymous_gets_401(ivs_channel: Channel, ivs_stubs: Stubs, api: APIClient) -> None:
    assert api.post(URL).status_code == 401


def test_a_banned_user_is_told_why_and_until_when(
    ivs_channel: Channel, ivs_stubs: Stubs, user: User, other_user: User, bob_api: APIClient,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    actor = role_of(user, ivs_channel)
    # The ban disconnects them from the room at once (mirrored to IVS Chat).
    ivs_stubs.chat.add_response(
        "disconnect_user", {},
        {"roomIdentifier": ROOM_ARN, "userId": str(other_user.pk), "reason": ANY},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        ban = chat_services.user_ban(
            channel=ivs_channel, actor=actor, username=other_user.username, minutes=10,
            reason="spam links",
        )  # fmt: skip
    response = bob_api.post(URL)
    assert response.status_code == 403
    body = response.json()
    assert "timed out of this chat for 10 more minutes" in body["detail"]
    assert body["reason"] == "spam links"
    assert ban.until is not None
    assert body["until"] == ban.until.isoformat().replace("+00:00", "Z")


def test_a_channel_without_an_ivs_room_says_so(
    user: User, ivs_stubs: Stubs, alice_api: APIClient, ivs_settings: Any
) -> None:
    ivs_settings.LIVE_BACKEND = "local"
    services.channel_create(owner=user, slug="alice-local", title="Local")
    response = alice_api.post("/api/channels/alice-local/chat-token/")
    assert response.status_code == 409
    assert "no IVS chat room" in response.json()["detail"]
    assert alice_api.post("/api/channels/nobody-here/chat-token/").status_code == 404


def test_an_ivs_refusal_is_a_clear_503(
    ivs_channel: Channel, ivs_stubs: Stubs, bob_api: APIClient
) -> None:
    ivs_stubs.chat.add_client_error(
        "create_chat_token", "ResourceNotFoundException", "Room not found", 404
    )
    response = bob_api.post(URL)
    assert response.status_code == 503
    assert response.json()["detail"] == (
        "IVS Chat refused a token (ResourceNotFoundException: Room not found)."
    )


def test_a_failed_mirror_leaves_the_ban_standing(
    ivs_channel: Channel, ivs_stubs: Stubs, user: User, other_user: User,
    django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    ivs_stubs.chat.add_client_error("disconnect_user", "AccessDeniedException", "denied", 403)
    with django_capture_on_commit_callbacks(execute=True):
        chat_services.user_ban(
            channel=ivs_channel, actor=role_of(user, ivs_channel), username=other_user.username
        )
    assert "could not disconnect" in caplog.text
    assert chat_services.refusal_to_join(user_id=other_user.pk, channel_id=ivs_channel.pk)


def test_deleting_an_ivs_message(ivs_channel: Channel, ivs_stubs: Stubs) -> None:
    ivs_stubs.chat.add_response(
        "delete_message", {"id": "ABC123def456"},
        {"roomIdentifier": ROOM_ARN, "id": "ABC123def456", "reason": "spam"},
    )  # fmt: skip
    chat.message_delete(channel=ivs_channel, message_id="ABC123def456", reason="spam")


def test_a_site_ban_disconnects_from_the_rooms_of_live_ivs_channels(
    ivs_channel: Channel, ivs_stubs: Stubs, user: User, other_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    from moderation import services as ban_services

    quiet = create_channel(user, slug="alice-quiet", backend="ivs",
                           backend_data={"room_arn": ROOM_ARN.replace("g1H2", "zzzz")})  # fmt: skip
    assert not quiet.is_live
    Channel.objects.filter(pk=ivs_channel.pk).update(is_live=True)
    ivs_stubs.chat.add_response(
        "disconnect_user",
        {},
        {
            "roomIdentifier": ROOM_ARN,
            "userId": str(other_user.pk),
            "reason": "Banned from the site.",
        },
    )  # fmt: skip (only the live channel's room: the stubber refuses a second call)
    with django_capture_on_commit_callbacks(execute=True):
        ban_services.ban_create(user=other_user, channel_id=None, until=None, created_by=user)
