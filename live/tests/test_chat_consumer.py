"""The chat socket end to end in one process: reading, writing, limits, bad frames, tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from accounts.models import User
from live import consumers, services
from live.chat import limits, tickets
from live.models import Channel, ChatMessage, ChatTicket
from live.tests.chat_sockets import chat_socket
from live.tests.conftest import go_live

pytestmark = [pytest.mark.anyio]


async def test_anonymous_readers_get_history_and_are_asked_to_sign_in(
    async_db: None, channel: Channel, other_user: User
) -> None:
    await sync_to_async(ChatMessage.objects.create)(channel=channel, author=other_user, text="hi")
    async with chat_socket(channel.slug) as reader:
        assert reader.joined["chat"]["can_write"] is False
        assert reader.joined["chat"]["text"] == "Sign in to chat."
        history = reader.joined["history"]["messages"]
        assert [(m["text"], m["author"]["username"]) for m in history] == [("hi", "bob")]
        refused = await reader.say("me too")
        assert refused == {"type": "error", "detail": "Sign in to chat."}
    assert await sync_to_async(ChatMessage.objects.count)() == 1


async def test_a_message_reaches_every_socket_with_its_author_and_badges(
    async_db: None, channel: Channel, user: User, other_user: User
) -> None:
    session = await sync_to_async(go_live)(channel)
    async with chat_socket(channel.slug) as reader, chat_socket(channel.slug, user=user) as owner:
        echo = await owner.say("<b>welcome</b>")
        seen = await reader.next(type="message")
        assert seen == echo
        assert echo["author"] == {"username": "alice", "badges": ["owner"]}
        assert echo["text"] == "<b>welcome</b>"  # verbatim: pages render it as text
        assert echo["offset"] is not None and echo["offset"] >= 0
    stored = await sync_to_async(ChatMessage.objects.get)(pk=echo["id"])
    assert (stored.text, stored.session_id, stored.author_id) == (
        "<b>welcome</b>",
        session.pk,
        user.pk,
    )


async def test_outside_a_session_a_message_has_no_session_and_no_offset(
    async_db: None, channel: Channel, other_user: User
) -> None:
    async with chat_socket(channel.slug, user=other_user) as bob:
        echo = await bob.say("anyone here?")
    assert echo["offset"] is None and echo["author"]["badges"] == []
    stored = await sync_to_async(ChatMessage.objects.get)(pk=echo["id"])
    assert stored.session_id is None and stored.offset is None


async def test_history_is_the_last_fifty_shown_messages_oldest_first(
    async_db: None, channel: Channel, other_user: User
) -> None:
    def fill() -> None:
        start = timezone.now() - timedelta(hours=1)
        ChatMessage.objects.bulk_create(
            ChatMessage(
                channel=channel,
                author=other_user,
                text=f"m{i}",
                created=start + timedelta(seconds=i),
                deleted=i == 59,
            )
            for i in range(60)
        )

    await sync_to_async(fill)()
    async with chat_socket(channel.slug) as reader:
        texts = [m["text"] for m in reader.joined["history"]["messages"]]
    assert texts == [f"m{i}" for i in range(9, 59)]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("x" * 501, "Messages are at most 500 characters (this one has 501)."),
        ("   \u200b\n", "Type something before sending."),
        ("", "Type something before sending."),
        ("nul\x00byte", "That message holds a NUL character."),
    ],
)
async def test_a_message_breaking_the_rules_is_refused_with_a_reason(
    async_db: None, channel: Channel, other_user: User, text: str, detail: str
) -> None:
    async with chat_socket(channel.slug, user=other_user) as bob:
        await bob.send({"type": "message", "text": text})
        assert await bob.next(type="error") == {"type": "error", "detail": detail}
        assert (await bob.say("still here"))["type"] == "message"  # the socket survives
    assert await sync_to_async(ChatMessage.objects.count)() == 1


async def test_five_hundred_characters_of_any_script_pass(
    async_db: None, channel: Channel, other_user: User
) -> None:
    text = "é🎉" * 250  # 500 characters, 1 500 bytes of UTF-8
    async with chat_socket(channel.slug, user=other_user) as bob:
        assert (await bob.say(text))["text"] == text


async def test_the_rate_is_a_burst_of_three_then_one_a_second(
    async_db: None, channel: Channel, other_user: User
) -> None:
    async with chat_socket(channel.slug, user=other_user) as bob:
        for n in range(limits.EVERYONE.burst):
            assert (await bob.say(f"message {n}"))["type"] == "message"
        refused = await bob.say("one too many")
    assert refused["type"] == "error"
    assert refused["detail"].startswith("You are sending messages too fast: wait 1 second")


async def test_owners_get_a_larger_burst_but_not_an_unlimited_one(
    async_db: None, channel: Channel, user: User
) -> None:
    async with chat_socket(channel.slug, user=user) as alice:
        answers = [await alice.say(f"announcement {n}") for n in range(limits.PRIVILEGED.burst + 1)]
    kinds = [answer["type"] for answer in answers]
    assert kinds == ["message"] * limits.PRIVILEGED.burst + ["error"]


async def test_slow_mode_spaces_out_chatters_but_not_the_owner(
    async_db: None, channel: Channel, user: User, other_user: User
) -> None:
    await sync_to_async(services.channel_update)(channel=channel, chat_slow_mode_seconds=30)
    async with (
        chat_socket(channel.slug, user=other_user) as bob,
        chat_socket(channel.slug, user=user) as alice,
    ):
        assert bob.joined["chat"]["slow_mode_seconds"] == 30
        assert (await bob.say("first"))["type"] == "message"
        refused = await bob.say("second")
        assert refused["detail"].startswith("Slow mode is on: one message every 30 seconds.")
        assert (await alice.say("one"))["type"] == "message"
        assert (await alice.say("two"))["type"] == "message"


async def test_turning_slow_mode_on_tells_open_sockets_and_applies_to_them(
    async_db: None, channel: Channel, other_user: User
) -> None:
    async with chat_socket(channel.slug, user=other_user) as bob:
        await sync_to_async(services.channel_update)(channel=channel, chat_slow_mode_seconds=10)
        notice = await bob.next(type="system", event="slow_mode")
        assert notice["seconds"] == 10 and "one message every 10 seconds" in notice["text"]
        assert (await bob.say("first"))["type"] == "message"
        assert (await bob.say("second"))["detail"].startswith("Slow mode is on")


async def test_the_same_text_twice_is_refused(
    async_db: None, channel: Channel, other_user: User
) -> None:
    async with chat_socket(channel.slug, user=other_user) as bob:
        assert (await bob.say("Buy now"))["type"] == "message"
        refused = await bob.say("  BUY\u200b   now ")
    assert refused == {
        "type": "error",
        "detail": "You sent that message a moment ago; say something new.",
    }


@pytest.mark.parametrize(
    ("frame", "detail_starts"),
    [
        ("not json", "A frame is a JSON object such as"),
        ("[1, 2]", 'A frame is a JSON object with a "type".'),
        ('{"text": "no type"}', 'A frame is a JSON object with a "type".'),
        ('{"type": "dance"}', "Unknown frame type 'dance'."),
        ('{"type": "message"}', 'A message needs its "text".'),
        ('{"type": "message", "text": 5}', 'A message needs its "text".'),
        ('{"type": "timeout", "user": "bob", "minutes": 5}', "A timeout lasts 1, 10 or 60"),
        ('{"type": "timeout", "user": "bob", "minutes": true}', "A timeout lasts 1, 10 or 60"),
        ('{"type": "ban"}', 'Name the user as "user"'),
        ('{"type": "delete", "id": 7}', 'Name the message to delete as "id".'),
        (b"\x00\x01binary", "Send text frames holding JSON"),
        ('{"type": "message", "text": "' + "x" * 9000 + '"}', "That frame is too large"),
        ('{"type": "message", "text": "\\ud800"}', "That message holds broken characters"),
    ],
)
async def test_a_malformed_frame_gets_an_error_and_the_socket_survives(
    async_db: None, channel: Channel, other_user: User, frame: str | bytes, detail_starts: str
) -> None:
    async with chat_socket(channel.slug, user=other_user) as bob:
        await bob.send(frame)
        error = await bob.next(type="error")
        assert error["detail"].startswith(detail_starts)
        assert (await bob.say("fine"))["type"] == "message"


async def test_twenty_invalid_frames_in_a_row_close_the_socket(
    async_db: None, channel: Channel
) -> None:
    async with chat_socket(channel.slug) as reader:
        for _ in range(consumers.INVALID_IN_A_ROW - 1):
            await reader.send("garbage")
            await reader.next(type="error")
        await reader.send('{"type": "clear"}')  # a valid frame (refused: not a moderator)
        await reader.next(type="error")
        for _ in range(consumers.INVALID_IN_A_ROW):
            await reader.send("garbage")
        assert await reader.closed() == consumers.CLOSE_POLICY


async def test_a_flood_of_frames_closes_the_socket(async_db: None, channel: Channel) -> None:
    async with chat_socket(channel.slug) as reader:
        for _ in range(consumers.FLOOD_FRAMES * 2):
            await reader.send('{"type": "clear"}')
        assert await reader.closed() == consumers.CLOSE_POLICY


async def test_a_page_of_another_origin_is_refused(async_db: None, channel: Channel) -> None:
    from config.asgi import application
    from live.tests.chat_sockets import WebsocketCommunicator

    communicator = WebsocketCommunicator(
        application, f"/ws/chat/{channel.slug}/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_without_an_origin_a_cookie_does_not_sign_in(
    async_db: None, channel: Channel, other_user: User
) -> None:
    async with chat_socket(channel.slug, user=other_user, origin=None) as app:
        assert app.joined["chat"]["can_write"] is False
        assert "chat-ticket" in app.joined["chat"]["text"]
        refused = await app.say("hello")
    assert refused["detail"] == "This socket reads only: connect with a chat ticket to write."


async def test_a_ticket_signs_an_app_in_once(
    async_db: None, channel: Channel, other_user: User
) -> None:
    ticket, _ = await sync_to_async(tickets.ticket_issue)(channel=channel, user=other_user)
    async with chat_socket(channel.slug, origin=None, ticket=ticket) as app:
        assert app.joined["chat"]["username"] == "bob" and app.joined["chat"]["can_write"]
        assert (await app.say("from my app"))["author"]["username"] == "bob"
    async with chat_socket(channel.slug, origin=None, ticket=ticket) as again:
        assert again.joined["chat"]["can_write"] is False  # used up


async def test_an_expired_ticket_or_one_for_another_channel_reads_only(
    async_db: None, channel: Channel, other_channel: Channel, other_user: User
) -> None:
    ticket, _ = await sync_to_async(tickets.ticket_issue)(channel=other_channel, user=other_user)
    async with chat_socket(channel.slug, origin=None, ticket=ticket) as app:
        assert app.joined["chat"]["can_write"] is False
    ticket, _ = await sync_to_async(tickets.ticket_issue)(channel=channel, user=other_user)
    await sync_to_async(ChatTicket.objects.update)(expires=timezone.now() - timedelta(seconds=1))
    async with chat_socket(channel.slug, origin=None, ticket=ticket) as app:
        assert app.joined["chat"]["can_write"] is False


async def test_nul_bytes_in_ids_and_names_are_malformed_frames(
    async_db: None, channel: Channel, user: User
) -> None:
    async with chat_socket(channel.slug, user=user) as alice:
        await alice.send({"type": "delete", "id": "a\x00b"})
        assert (await alice.next(type="error"))["detail"] == 'Name the message to delete as "id".'
        await alice.send({"type": "ban", "user": "bob\x00"})
        assert (await alice.next(type="error"))["detail"].startswith('Name the user as "user"')
