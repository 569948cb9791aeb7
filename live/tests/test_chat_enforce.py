"""Bans take effect wherever they come from: sockets close, a banned streamer's stream ends."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from live import bus
from live.chat import events
from live.models import Channel
from live.tests.conftest import go_live
from moderation import services

pytestmark = pytest.mark.django_db


def test_a_channel_ban_closes_the_users_sockets_on_that_channel(
    channel: Channel, carol: User, bus_messages: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.ban_create(user=carol, channel_id=channel.pk, until=None, created_by=None)
    [(group, message)] = bus_messages
    assert group == bus.channel_group(channel.pk)
    assert message["close_user"] == carol.pk and '"type":"ban"' in message["frame"]


def test_a_site_ban_ends_the_streamers_live_stream(
    channel: Channel, user: User, bus_messages: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    go_live(channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.ban_create(user=user, channel_id=None, until=None, created_by=None)
    groups = [group for group, _ in bus_messages]
    assert groups == [events.SITE_GROUP, bus.INGEST]
    assert bus_messages[1][1] == {"type": "ingest.drop", "channel": channel.pk, "reason": "banned"}


def test_a_ban_in_a_rolled_back_transaction_does_nothing(
    channel: Channel, carol: User, bus_messages: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.ban_create(user=carol, channel_id=channel.pk, until=None, created_by=None)
                raise RuntimeError("the request failed later")
        except RuntimeError:
            pass
    assert bus_messages == []
