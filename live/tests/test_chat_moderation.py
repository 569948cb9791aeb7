"""Moderating from the chat socket: deletes, timeouts, bans, clears and message hooks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from accounts.models import User
from live.chat import hooks
from live.chat.hub import CLOSE_BANNED
from live.models import Channel, ChatMessage
from live.tests.chat_sockets import chat_socket
from moderation.models import Ban
from moderation.roles import make_site_moderator

pytestmark = [pytest.mark.anyio]


async def test_a_moderator_deletes_a_message_from_every_screen(
    async_db: None, channel: Channel, other_user: User, mod: User
) -> None:
    async with (
        chat_socket(channel.slug, user=other_user) as bob,
        chat_socket(channel.slug, user=mod) as dave,
        chat_socket(channel.slug) as reader,
    ):
        assert dave.joined["chat"]["can_moderate"] and dave.joined["chat"]["badges"] == [
            "moderator"
        ]
        said = await bob.say("spam spam")
        await dave.send({"type": "delete", "id": said["id"]})
        for socket in (bob, dave, reader):
            assert await socket.next(type="delete") == {"type": "delete", "id": said["id"]}
    stored = await sync_to_async(ChatMessage.objects.get)(pk=said["id"])
    assert stored.deleted and stored.deleted_by_id == mod.pk
    async with chat_socket(channel.slug) as later:
        assert later.joined["history"]["messages"] == []


async def test_only_moderators_moderate(
    async_db: None, channel: Channel, other_user: User, carol: User
) -> None:
    async with (
        chat_socket(channel.slug, user=other_user) as bob,
        chat_socket(channel.slug, user=carol) as carols,
    ):
        said = await bob.say("mine")
        for frame in (
            {"type": "delete", "id": said["id"]},
            {"type": "timeout", "user": "bob", "minutes": 10},
            {"type": "ban", "user": "bob"},
            {"type": "clear"},
        ):
            await carols.send(frame)
            error = await carols.next(type="error")
            assert error["detail"] == "Only the channel's owner and moderators can do that."
    assert not await sync_to_async(Ban.objects.exists)()
    assert not (await sync_to_async(ChatMessage.objects.get)(pk=said["id"])).deleted


async def test_a_moderator_cannot_act_on_the_owner_or_a_missing_user(
    async_db: None, channel: Channel, mod: User
) -> None:
    async with chat_socket(channel.slug, user=mod) as dave:
        await dave.send({"type": "ban", "user": "alice"})
        assert (await dave.next(type="error"))["detail"] == (
            "Nobody can do that to the channel's owner."
        )
        await dave.send({"type": "timeout", "user": "nobody", "minutes": 1})
        assert (await dave.next(type="error"))["detail"] == "There is no user called 'nobody'."
        await dave.send({"type": "ban", "user": "bob", "scope": "site"})
        assert (await dave.next(type="error"))["detail"] == (
            "Only site moderators can ban from the whole site."
        )


async def test_a_timeout_closes_the_users_sockets_and_keeps_them_out(
    async_db: None, channel: Channel, user: User, other_user: User
) -> None:
    async with (
        chat_socket(channel.slug, user=other_user) as bob,
        chat_socket(channel.slug, user=other_user) as bobs_phone,
        chat_socket(channel.slug, user=user) as alice,
    ):
        await alice.send({"type": "timeout", "user": "bob", "minutes": 10})
        notice = await alice.next(type="timeout")
        assert notice["user"] == "bob" and notice["until"]
        for socket in (bob, bobs_phone):
            assert await socket.closed() == CLOSE_BANNED
            assert {"type": "timeout", "user": "bob", "until": notice["until"]} in socket.frames
        async with chat_socket(channel.slug, user=other_user, joined=False) as again:
            refused = await again.next(type="error")
            assert refused["detail"] == "You are timed out of this chat for 10 more minutes."
            assert await again.closed() == CLOSE_BANNED
    ban = await sync_to_async(Ban.objects.get)()
    assert (ban.scope, ban.channel_id, ban.user_id) == ("channel", channel.pk, other_user.pk)


async def test_a_channel_ban_leaves_other_channels_open(
    async_db: None, channel: Channel, other_channel: Channel, user: User, carol: User
) -> None:
    async with (
        chat_socket(other_channel.slug, user=carol) as elsewhere,
        chat_socket(channel.slug, user=user) as alice,
    ):
        await alice.send({"type": "ban", "user": "carol"})
        assert (await alice.next(type="ban"))["until"] is None
        assert (await elsewhere.say("still chatting"))["type"] == "message"


async def test_a_site_ban_closes_sockets_on_every_channel(
    async_db: None, channel: Channel, other_channel: Channel, carol: User
) -> None:
    staff = await sync_to_async(User.objects.create_user)("erin", "e@example.com", "erins-pass-1")
    await sync_to_async(make_site_moderator)(staff)
    async with (
        chat_socket(other_channel.slug, user=carol) as elsewhere,
        chat_socket(channel.slug, user=staff) as erin,
    ):
        assert erin.joined["chat"]["badges"] == ["staff"]
        await erin.send({"type": "ban", "user": "carol", "scope": "site"})
        assert await elsewhere.closed() == CLOSE_BANNED
    ban = await sync_to_async(Ban.objects.get)()
    assert ban.scope == "site" and ban.channel_id is None


async def test_clear_empties_every_screen_and_the_history(
    async_db: None, channel: Channel, user: User, other_user: User
) -> None:
    async with (
        chat_socket(channel.slug, user=other_user) as bob,
        chat_socket(channel.slug, user=user) as alice,
    ):
        await bob.say("one")
        await bob.say("two")
        await alice.send({"type": "clear"})
        assert await bob.next(type="clear") == {"type": "clear"}
    async with chat_socket(channel.slug) as later:
        assert later.joined["history"]["messages"] == []


async def test_a_hook_that_objects_stops_the_message_and_says_why(
    async_db: None, channel: Channel, other_user: User
) -> None:
    seen: list[hooks.Draft] = []

    def no_shouting(draft: hooks.Draft) -> str | None:
        seen.append(draft)
        return "Please do not shout." if draft.text.isupper() else None

    hooks.register_message_hook(no_shouting)
    try:
        async with (
            chat_socket(channel.slug, user=other_user) as bob,
            chat_socket(channel.slug) as reader,
        ):
            assert await bob.say("HELLO") == {"type": "error", "detail": "Please do not shout."}
            assert (await bob.say("hello"))["type"] == "message"
            # The refused message never reached the reader: the first it got is the next one.
            assert (await reader.next(type="message"))["text"] == "hello"
    finally:
        hooks.unregister_message_hook(no_shouting)
    assert [d.text for d in seen] == ["HELLO", "hello"] and seen[0].username == "bob"
    texts = await sync_to_async(lambda: list(ChatMessage.objects.values_list("text", flat=True)))()
    assert texts == ["hello"]


async def test_a_hook_that_crashes_is_skipped(
    async_db: None, channel: Channel, other_user: User
) -> None:
    def broken(draft: hooks.Draft) -> str | None:
        raise RuntimeError("model not loaded")

    hooks.register_message_hook(broken)
    try:
        async with chat_socket(channel.slug, user=other_user) as bob:
            assert (await bob.say("hello"))["type"] == "message"
    finally:
        hooks.unregister_message_hook(broken)


async def test_a_banned_user_cannot_open_the_chat(
    async_db: None, channel: Channel, other_user: User
) -> None:
    await sync_to_async(Ban.objects.create)(user=other_user, scope="channel", channel=channel)
    async with chat_socket(channel.slug, user=other_user, joined=False) as bob:
        assert (await bob.next(type="error"))["detail"] == "You are banned from this chat."
        assert await bob.closed() == CLOSE_BANNED


async def test_an_expired_or_lifted_ban_lets_the_user_back(
    async_db: None, channel: Channel, other_user: User
) -> None:
    past = timezone.now() - timedelta(minutes=1)
    await sync_to_async(Ban.objects.create)(
        user=other_user, scope="channel", channel=channel, until=past
    )
    await sync_to_async(Ban.objects.create)(user=other_user, scope="site", lifted_at=past)
    async with chat_socket(channel.slug, user=other_user) as bob:
        assert (await bob.say("back"))["type"] == "message"
