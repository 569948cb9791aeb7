"""AI moderation on live channels: chat messages checked before broadcast, live pictures
classified, a stream ended and its replay held, flags a moderator decides."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import User
from catalog.models import Video
from live import moderation, sessions
from live.models import Channel, ChatMessage, LiveSession
from live.packaging.replay import ReplayOutput
from live.tests.chat_sockets import chat_socket
from live.tests.factories import image_bytes, open_session
from moderation import flags
from moderation.backends.base import Label
from moderation.models import BlockedTerm, Flag
from moderation.tests.fakes import ScriptedClassifier


@pytest.fixture
def scripted(settings: Any):
    settings.MODERATION_BACKENDS = {
        settings.MODERATION_BACKEND: "moderation.tests.fakes.ScriptedClassifier"
    }
    ScriptedClassifier.image, ScriptedClassifier.text, ScriptedClassifier.fail = [], [], False
    yield ScriptedClassifier
    ScriptedClassifier.image, ScriptedClassifier.text, ScriptedClassifier.fail = None, None, False


@pytest.mark.anyio
async def test_an_abusive_message_is_refused_before_any_viewer_gets_it(
    async_db: None, channel: Channel, other_user: User
) -> None:
    async with (
        chat_socket(channel.slug, user=other_user) as bob,
        chat_socket(channel.slug) as viewer,
    ):
        refused = await bob.say("you fucking 1diot")
        assert refused["type"] == "error"
        assert refused["detail"].startswith("Your message was not sent.")
        assert "insult" in refused["detail"]
        await bob.say("sorry, great stream")
        # The viewer's next message is the clean one: the refused text never reached them.
        assert (await viewer.next(type="message"))["text"] == "sorry, great stream"
    assert not await sync_to_async(ChatMessage.objects.filter(text__contains="1diot").exists)()
    flag = await sync_to_async(Flag.objects.get)()
    assert (flag.item_kind, flag.owner_id, flag.channel_id, flag.evidence_text) == (
        "chat_text",
        other_user.pk,
        channel.pk,
        "you fucking 1diot",
    )


@pytest.mark.django_db
def test_a_channel_s_blocked_terms_apply_in_its_chat_only(
    channel: Channel, other_channel: Channel
) -> None:
    BlockedTerm.objects.create(term="spoiler", channel=channel)
    draft = frames_draft(channel, "huge SP0ILER: he dies")
    refusal = moderation.check_message(draft)
    assert refusal is not None and "blocked list" in refusal
    assert moderation.check_message(frames_draft(other_channel, "huge SP0ILER: he dies")) is None


def frames_draft(channel: Channel, text: str):
    from live.chat.hooks import Draft

    return Draft(
        channel_id=channel.pk, session_id=None, user_id=channel.owner_id, username="x", text=text
    )


@pytest.mark.django_db
def test_an_unavailable_classifier_lets_chat_through_and_flags_it(
    channel: Channel, scripted: Any
) -> None:
    scripted.fail = True
    assert moderation.check_message(frames_draft(channel, "hello")) is None
    assert Flag.objects.get().top_label == "unclassified"


@pytest.fixture
def thumbnail(channel: Channel) -> str:
    return default_storage.save(
        f"channels/{channel.pk}/thumbs/t.jpg", ContentFile(image_bytes("JPEG", (1280, 720)))
    )


@pytest.mark.django_db
def test_a_clean_live_picture_passes_the_real_model(
    channel: Channel, thumbnail: str, bus_messages: list
) -> None:
    session = open_session(channel)
    assert moderation.classify_thumbnail(session.pk, thumbnail) == "allowed"
    assert not Flag.objects.exists() and bus_messages == []


@pytest.mark.django_db
def test_nudity_in_a_live_picture_ends_the_stream_tells_viewers_and_holds_the_replay(
    channel: Channel,
    thumbnail: str,
    bus_messages: list,
    scripted: Any,
    other_user: User,
) -> None:
    scripted.image = [Label("explicit_nudity", 0.93)]
    session = open_session(channel)
    assert moderation.classify_thumbnail(session.pk, thumbnail) == "end_stream"
    # The ingest is told to drop the publisher; viewers' chat gets a system line.
    drops = [m for _, m in bus_messages if m.get("type") == "ingest.drop"]
    assert drops == [{"type": "ingest.drop", "channel": channel.pk, "reason": "moderation"}]
    chat = [frames_text(m) for _, m in bus_messages if m.get("type") == "chat.frame"]
    assert any(f["event"] == "moderation" and "explicit nudity" in f["text"] for f in chat)
    flag = Flag.objects.get()
    assert (flag.item_kind, flag.item_id, flag.owner_id, flag.action) == (
        "live_session",
        session.pk,
        channel.owner_id,
        "end_stream",
    )
    assert default_storage.exists(flag.evidence_image)
    # The next picture, taken before the ingest has ended the stream, adds nothing.
    assert moderation.classify_thumbnail(session.pk, thumbnail) == "already acted on"
    assert Flag.objects.count() == 1
    # The ingest ends the session; its replay arrives later and starts private.
    sessions.session_end(session_id=session.pk, reason=LiveSession.EndReason.MODERATION)
    replay = sessions.replay_publish(session_id=session.pk, replay=_replay(session))
    assert replay is not None and replay.visibility == Video.Visibility.PRIVATE
    assert "explicit nudity" in replay.held_reason
    # A moderator finds it was wrong: the replay gets the channel's replay visibility back.
    flags.flag_dismiss(flag=flag, actor=other_user)
    replay.refresh_from_db()
    assert (replay.visibility, replay.held_reason) == (channel.replay_visibility, "")


def frames_text(message: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(message["frame"])


def _replay(session: LiveSession) -> ReplayOutput:
    return ReplayOutput(
        master=f"{session.output_prefix}/replay.m3u8",
        renditions=[],
        poster=None,
        duration=12.0,
    )


@pytest.mark.django_db
def test_the_streamer_sees_why_on_their_channel_page(
    channel: Channel, thumbnail: str, bus_messages: list, scripted: Any, alice: Any
) -> None:
    scripted.image = [Label("explicit_nudity", 0.93)]
    session = open_session(channel)
    moderation.classify_thumbnail(session.pk, thumbnail)
    page = alice.get(f"/me/channels/{channel.slug}/").content.decode()
    assert (
        "Stream ended." in page
        and "explicit nudity" in page
        and "A moderator will review it." in page
    )
