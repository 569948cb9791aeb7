"""Chat messages and bans in the admin: streamers see their own chats only; bans through the
service; text shown as text."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.test import Client
from django.utils import timezone

from accounts.models import User
from live import bus
from live.models import ChatMessage
from live.tests.test_admin import Streamer
from moderation.models import Ban
from moderation.roles import make_site_moderator

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def a(user: User, carol: User) -> Streamer:
    return Streamer(user, "alice-live", carol)


@pytest.fixture
def b(other_user: User, carol: User) -> Streamer:
    return Streamer(other_user, "bob-live", carol)


def message_of(streamer: Streamer, text: str) -> ChatMessage:
    return ChatMessage.objects.create(channel=streamer.channel, author=streamer.user, text=text)


def test_streamers_read_their_own_chats_only(a: Streamer, b: Streamer) -> None:
    mine, theirs = message_of(a, HOSTILE), message_of(b, "bob's secret")
    listing = a.client.get("/admin/live/chatmessage/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html and HOSTILE not in html
    assert "bob's secret" not in html
    assert a.client.get(f"/admin/live/chatmessage/{quote(mine.pk)}/change/").status_code == 200
    opened = a.client.get(f"/admin/live/chatmessage/{quote(theirs.pk)}/change/", follow=True)
    assert opened.redirect_chain == [("/admin/", 302)]


def test_deleting_from_the_chat_works_on_ones_own_channel_only(
    a: Streamer, b: Streamer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(bus, "send", lambda group, message: sent.append((group, message)))
    mine, theirs = message_of(a, "spam"), message_of(b, "fine")
    for message in (mine, theirs):
        a.client.post(
            "/admin/live/chatmessage/",
            {"action": "delete_from_chat", "_selected_action": [message.pk]},
        )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.deleted and not theirs.deleted
    assert [group for group, _ in sent] == [bus.channel_group(a.channel.pk)]
    assert a.client.post(f"/admin/live/chatmessage/{quote(mine.pk)}/delete/").status_code == 403


def test_streamers_do_not_reach_the_bans(a: Streamer) -> None:
    assert a.client.get("/admin/moderation/ban/").status_code == 403


def test_a_site_moderator_bans_through_the_admin(
    a: Streamer,
    carol: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(bus, "send", lambda group, message: sent.append((group, message)))
    staff = User.objects.create_user("erin", "erin@example.com", "erins-passphrase")
    make_site_moderator(staff)
    client = Client()
    client.force_login(staff)
    refused = client.post(
        "/admin/moderation/ban/add/",
        {"user": carol.pk, "scope": "channel", "reason": "spam"},
    )
    assert (
        refused.status_code == 200
        and "A channel ban names its channel." in refused.content.decode()
    )
    past = client.post(
        "/admin/moderation/ban/add/",
        {"user": carol.pk, "scope": "site", "until_0": "2001-01-01", "until_1": "00:00:00"},
    )
    assert "That time has passed" in past.content.decode()
    assert not Ban.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post("/admin/moderation/ban/add/", {"user": carol.pk, "scope": "site"})
    assert made.status_code == 302, made.content.decode()[:2000]
    ban = Ban.objects.get()
    assert (ban.scope, ban.created_by, ban.until) == ("site", staff, None)
    assert [message["type"] for _, message in sent] == ["chat.site_ban"]  # sockets close
    client.post("/admin/moderation/ban/", {"action": "lift", "_selected_action": [ban.pk]})
    ban.refresh_from_db()
    assert ban.lifted_at is not None and ban.lifted_at <= timezone.now()
