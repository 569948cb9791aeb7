"""The chat API: history, deleting, tickets, bans and a replay's chat, with hostile input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from live.models import Channel, ChatMessage, ChatTicket, LiveSession
from live.tests.conftest import go_live
from moderation.models import Ban
from moderation.roles import make_site_moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def dave_api(mod: User) -> APIClient:
    """Dave, a moderator of Alice's channel."""
    client = APIClient()
    client.force_authenticate(mod)
    return client


def say(channel: Channel, author: User, text: str, **fields: object) -> ChatMessage:
    return ChatMessage.objects.create(channel=channel, author=author, text=text, **fields)


def test_history_is_newest_first_paged_and_without_deleted_messages(
    api: APIClient, channel: Channel, user: User, other_user: User
) -> None:
    start = timezone.now() - timedelta(minutes=5)
    for n in range(3):
        say(channel, other_user, f"m{n}", created=start + timedelta(seconds=n))
    say(channel, user, "<script>alert(1)</script>", created=start + timedelta(seconds=9))
    say(channel, other_user, "gone", deleted=True)
    body = api.get(f"/api/channels/{channel.slug}/chat/").json()
    assert body["count"] == 4 and body["next"] is None
    newest = body["results"][0]
    assert newest["text"] == "<script>alert(1)</script>"  # verbatim; clients show it as text
    assert newest["author"] == {"username": "alice", "badges": ["owner"]}
    assert set(newest) == {"id", "text", "author", "created", "offset", "session"}
    assert [m["text"] for m in body["results"][1:]] == ["m2", "m1", "m0"]


def test_history_of_one_session(
    api: APIClient, channel: Channel, other_channel: Channel, other_user: User
) -> None:
    session = go_live(channel)
    say(channel, other_user, "before")
    say(channel, other_user, "during", session=session, offset=1.5)
    body = api.get(f"/api/channels/{channel.slug}/chat/", {"session": session.pk}).json()
    assert [(m["text"], m["offset"], m["session"]) for m in body["results"]] == [
        ("during", 1.5, session.pk)
    ]
    elsewhere = LiveSession.objects.create(channel=other_channel)
    for bad in (elsewhere.pk, "nope", "x" * 5000, ""):
        answer = api.get(f"/api/channels/{channel.slug}/chat/", {"session": bad})
        assert answer.status_code == 404, bad
        assert answer.json() == {"detail": "This channel has no such session."}
    assert api.get("/api/channels/nobody-here/chat/").status_code == 404


def test_deleting_a_message_takes_a_moderator(
    api: APIClient,
    bob_api: APIClient,
    dave_api: APIClient,
    channel: Channel,
    other_channel: Channel,
    other_user: User,
) -> None:
    message = say(channel, other_user, "spam")
    url = f"/api/channels/{channel.slug}/chat/{message.pk}/"
    assert api.delete(url).status_code in (401, 403)
    refused = bob_api.delete(url)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the channel's owner and moderators can do that."}
    assert dave_api.delete(url).status_code == 204
    message.refresh_from_db()
    assert message.deleted and message.deleted_at is not None
    assert dave_api.delete(url).status_code == 204  # already gone: same answer
    elsewhere = say(other_channel, other_user, "theirs")
    for bad in (elsewhere.pk, "nope", "x" * 300, "%00"):
        answer = dave_api.delete(f"/api/channels/{channel.slug}/chat/{bad}/")
        assert answer.status_code == 404, bad
    elsewhere.refresh_from_db()
    assert not elsewhere.deleted


def test_a_ticket_is_for_signed_in_users_not_banned_here(
    api: APIClient, bob_api: APIClient, channel: Channel, other_user: User
) -> None:
    url = f"/api/channels/{channel.slug}/chat-ticket/"
    assert api.post(url).status_code in (401, 403)
    answer = bob_api.post(url)
    assert answer.status_code == 201 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["socket_path"] == f"/ws/chat/{channel.slug}/?ticket={body['ticket']}"
    assert len(body["ticket"]) >= 40
    assert not ChatTicket.objects.filter(digest=body["ticket"]).exists()  # a digest is kept
    Ban.objects.create(user=other_user, scope="channel", channel=channel)
    refused = bob_api.post(url)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You are banned from this chat."}
    assert bob_api.post("/api/channels/nobody-here/chat-ticket/").status_code == 404


def test_tickets_are_rate_limited(bob_api: APIClient, channel: Channel, settings: object) -> None:
    settings.RATE_CHAT_TICKETS = "2/h"  # type: ignore[attr-defined]
    url = f"/api/channels/{channel.slug}/chat-ticket/"
    assert [bob_api.post(url).status_code for _ in range(3)] == [201, 201, 429]
    assert ChatTicket.objects.count() == 2


def test_bans_time_out_list_and_lift(
    dave_api: APIClient, channel: Channel, other_user: User
) -> None:
    url = f"/api/channels/{channel.slug}/bans/"
    made = dave_api.post(url, {"username": "bob", "minutes": 10, "reason": "spam"}, format="json")
    assert made.status_code == 201, made.json()
    ban = made.json()
    assert (ban["username"], ban["scope"], ban["created_by"], ban["reason"]) == (
        "bob",
        "channel",
        "dave",
        "spam",
    )
    assert ban["until"] is not None
    listing = dave_api.get(url).json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == ban["id"]
    assert dave_api.delete(f"{url}{ban['id']}/").status_code == 204
    assert dave_api.get(url).json()["count"] == 0
    assert dave_api.delete(f"{url}{ban['id']}/").status_code == 404
    stored = Ban.objects.get()
    assert stored.lifted_at is not None and stored.lifted_by == User.objects.get(username="dave")


def test_a_ban_for_good_and_site_bans_for_staff_only(
    dave_api: APIClient, channel: Channel, other_user: User, carol: User
) -> None:
    url = f"/api/channels/{channel.slug}/bans/"
    forever = dave_api.post(url, {"username": "bob"}, format="json")
    assert forever.status_code == 201 and forever.json()["until"] is None
    refused = dave_api.post(url, {"username": "carol", "scope": "site"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only site moderators can ban from the whole site."}
    staff = User.objects.create_user("erin", "erin@example.com", "erins-passphrase")
    make_site_moderator(staff)
    erin = APIClient()
    erin.force_authenticate(staff)
    site = erin.post(url, {"username": "carol", "scope": "site"}, format="json")
    assert site.status_code == 201 and site.json()["scope"] == "site"
    assert Ban.objects.filter(user=carol, scope="site", channel=None).exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"username": "bob", "minutes": 5}, 400, "minutes"),
        ({"username": "bob", "minutes": "ten"}, 400, "minutes"),
        ({"username": "bob", "scope": "galaxy"}, 400, "scope"),
        ({"username": ""}, 400, "username"),
        ({"username": "x" * 151}, 400, "username"),
        ({"username": "bob", "reason": "r" * 501}, 400, "reason"),
        ({}, 400, "username"),
        ({"username": "nobody"}, 404, None),
        ({"username": "alice"}, 403, None),
        ({"username": "dave"}, 403, None),
    ],
)
def test_a_bad_ban_is_refused_and_stores_nothing(
    dave_api: APIClient,
    channel: Channel,
    other_user: User,
    body: dict[str, object],
    status: int,
    field: str | None,
) -> None:
    answer = dave_api.post(f"/api/channels/{channel.slug}/bans/", body, format="json")
    assert answer.status_code == status, answer.json()
    if field:
        assert field in answer.json()
    else:
        assert answer.json()["detail"]
    assert not Ban.objects.exists()


def test_only_moderators_see_and_make_bans(
    api: APIClient, bob_api: APIClient, channel: Channel, carol: User
) -> None:
    url = f"/api/channels/{channel.slug}/bans/"
    assert api.get(url).status_code in (401, 403)
    assert bob_api.get(url).status_code == 403
    assert bob_api.post(url, {"username": "carol"}, format="json").status_code == 403
    ban = Ban.objects.create(user=carol, scope="channel", channel=channel)
    assert bob_api.delete(f"{url}{ban.pk}/").status_code == 403
    ban.refresh_from_db()
    assert ban.lifted_at is None


def test_slow_mode_through_the_api(alice_api: APIClient, channel: Channel) -> None:
    url = f"/api/channels/{channel.slug}/"
    changed = alice_api.patch(url, {"chat_slow_mode_seconds": 30}, format="json")
    assert changed.status_code == 200 and changed.json()["chat_slow_mode_seconds"] == 30
    for bad in (7, -1, 10**9):
        refused = alice_api.patch(url, {"chat_slow_mode_seconds": bad}, format="json")
        assert refused.status_code == 400, bad
        assert refused.json() == {
            "chat_slow_mode_seconds": [
                "Slow mode is one of 0, 3, 10, 30, 60, 120 seconds (0 turns it off)."
            ]
        }
    for wrong in (True, "lots", None, [10]):
        refused = alice_api.patch(url, {"chat_slow_mode_seconds": wrong}, format="json")
        assert refused.status_code == 400 and "chat_slow_mode_seconds" in refused.json(), wrong
    channel.refresh_from_db()
    assert channel.chat_slow_mode_seconds == 30


def replay_of(channel: Channel, *, visibility: str = Video.Visibility.PUBLIC) -> LiveSession:
    session = LiveSession.objects.create(channel=channel, status=LiveSession.Status.ENDED)
    video = make_video(channel.owner, "Replay", kind=Video.Kind.REPLAY, visibility=visibility)
    LiveSession.objects.filter(pk=session.pk).update(replay=video)
    session.refresh_from_db()
    return session


def test_a_replays_chat_comes_in_replay_order_page_by_page(
    api: APIClient, channel: Channel, other_user: User, settings: object
) -> None:
    from live.api import chat

    session = replay_of(channel)
    for n in range(5):
        say(channel, other_user, f"at {n}", session=session, offset=float(n))
    say(channel, other_user, "also at 2", session=session, offset=2.0)
    say(channel, other_user, "deleted", session=session, offset=2.5, deleted=True)
    url = f"/api/videos/{session.replay_id}/chat/"
    original, chat.REPLAY_PAGE = chat.REPLAY_PAGE, 2
    try:
        texts, page = [], api.get(url, {"from": 1}).json()
        while True:
            texts += [m["text"] for m in page["results"]]
            if page["next"] is None:
                break
            page = api.get(page["next"]).json()
    finally:
        chat.REPLAY_PAGE = original
    assert sorted(texts[1:3]) == ["also at 2", "at 2"]
    assert [texts[0], *texts[3:]] == ["at 1", "at 3", "at 4"]


def test_a_replays_chat_refuses_bad_input_and_hidden_videos(
    api: APIClient, channel: Channel, user: User
) -> None:
    session = replay_of(channel)
    url = f"/api/videos/{session.replay_id}/chat/"
    for bad in ("-1", "nan", "inf", "soon", "1e99"):
        assert api.get(url, {"from": bad}).status_code == 400, bad
    assert api.get(url, {"after": "x" * 100}).status_code == 400
    private = replay_of(channel, visibility=Video.Visibility.PRIVATE)
    assert api.get(f"/api/videos/{private.replay_id}/chat/").status_code == 404
    owner = APIClient()
    owner.force_authenticate(user)
    assert owner.get(f"/api/videos/{private.replay_id}/chat/").status_code == 200
    upload = make_video(user, "Not a replay")
    assert api.get(f"/api/videos/{upload.pk}/chat/").status_code == 404
    assert api.get("/api/videos/nope/chat/").status_code == 404


def test_ids_with_nul_or_junk_are_404_not_database_errors(
    api: APIClient, dave_api: APIClient, channel: Channel
) -> None:
    for junk in ("a\x00b", "é", "x" * 65):
        assert dave_api.delete(f"/api/channels/{channel.slug}/chat/{junk}/").status_code == 404
        history = api.get(f"/api/channels/{channel.slug}/chat/", {"session": junk})
        assert history.status_code == 404
