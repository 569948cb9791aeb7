"""The admin of IVS channels: an operator picks IVS, approves, retries; status on the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from live import services
from live.models import Channel
from live.tests.ivs_helpers import (
    CHANNEL_ARN,
    INGEST,
    Stubs,
    expect_provision,
    ivs_settings,
    ivs_stubs,
)
from live.tests.test_admin import root_client

__all__ = ["ivs_settings", "ivs_stubs", "root_client"]  # fixtures

pytestmark = pytest.mark.django_db

LISTING = "/admin/live/channel/"


def test_an_operator_creates_an_ivs_channel_on_a_local_site(
    root_client: Client, ivs_stubs: Stubs, ivs_settings: Any
) -> None:
    ivs_settings.LIVE_BACKEND = "local"
    form = root_client.get("/admin/live/channel/add/")
    assert b"Streaming service" in form.content
    expect_provision(ivs_stubs)
    root_client.post(
        "/admin/live/channel/add/",
        {"slug": "ops-ivs", "title": "Ops", "description": "", "tags_text": "",
         "replay_visibility": "public", "streaming_backend": "ivs"},
    )  # fmt: skip
    channel = Channel.objects.get(slug="ops-ivs")
    assert (channel.backend, channel.provisioning, channel.backend_ref) == (
        "ivs", "ready", CHANNEL_ARN,
    )  # fmt: skip
    page = root_client.get(f"/admin/live/channel/{channel.pk}/change/").content.decode()
    assert f"rtmps://{INGEST}:443/app/" in page


def test_ivs_cannot_be_picked_where_it_is_not_configured(
    root_client: Client, settings: Any
) -> None:
    settings.IVS_REGION = ""
    response = root_client.post(
        "/admin/live/channel/add/",
        {"slug": "ops-ivs", "title": "Ops", "description": "", "tags_text": "",
         "replay_visibility": "public", "streaming_backend": "ivs"},
    )  # fmt: skip
    assert "Amazon IVS is not configured here" in response.content.decode()
    assert not Channel.objects.exists()


def test_an_operator_approves_a_waiting_channel(
    root_client: Client, ivs_stubs: Stubs, ivs_settings: Any, user: User
) -> None:
    ivs_settings.IVS_REQUIRE_APPROVAL = True
    channel = services.channel_create(owner=user, slug="alice-ivs", title="Alice")
    listing = root_client.get(LISTING + "?provisioning__exact=awaiting_approval").content.decode()
    assert "Awaiting an operator" in listing and "alice-ivs" in listing
    expect_provision(ivs_stubs)
    response = root_client.post(
        LISTING, {"action": "provision", "_selected_action": [channel.pk]}, follow=True
    )
    assert "is provisioned" in response.content.decode()
    channel.refresh_from_db()
    assert channel.provisioning == "ready"


def test_a_failure_shows_in_the_message_and_on_the_page(
    root_client: Client, ivs_stubs: Stubs, ivs_settings: Any, user: User
) -> None:
    ivs_settings.IVS_REQUIRE_APPROVAL = True
    channel = services.channel_create(owner=user, slug="alice-ivs", title="Alice")
    ivs_stubs.ivs.add_client_error(
        "create_channel", "ServiceQuotaExceededException", "Too many", 402
    )
    response = root_client.post(
        LISTING, {"action": "provision", "_selected_action": [channel.pk]}, follow=True
    )
    assert "ServiceQuotaExceededException: Too many" in response.content.decode()
    page = root_client.get(f"/admin/live/channel/{channel.pk}/change/").content.decode()
    assert "Provisioning failed" in page and "Too many" in page


def test_a_streamer_cannot_approve_their_own(ivs_settings: Any, user: User) -> None:
    ivs_settings.IVS_REQUIRE_APPROVAL = True
    channel = services.channel_create(owner=user, slug="alice-ivs", title="Alice")
    streamer = Client()
    streamer.force_login(user)
    listing = streamer.get(LISTING).content.decode()
    assert "alice-ivs" in listing and 'value="provision"' not in listing
    streamer.post(LISTING, {"action": "provision", "_selected_action": [channel.pk]})
    channel.refresh_from_db()
    assert channel.provisioning == "awaiting_approval"
