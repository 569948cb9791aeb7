"""The chat on pages: the channel page's panel, a replay's panel, and escaped text."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from live.models import Channel, ChatMessage, LiveSession

pytestmark = pytest.mark.django_db


def test_readers_are_asked_to_sign_in_and_members_get_the_box(
    client: Client, channel: Channel, other_user: User
) -> None:
    page = client.get(f"/live/{channel.slug}/").content.decode()
    assert 'id="live-chat"' in page and 'role="log"' in page
    assert "to chat." in page and 'id="chat-input"' not in page
    client.force_login(other_user)
    page = client.get(f"/live/{channel.slug}/").content.decode()
    assert 'id="chat-input"' in page and "0/500" in page


def replay_session(channel: Channel, **video_fields: object) -> LiveSession:
    video = make_video(channel.owner, "Replay", kind=Video.Kind.REPLAY, **video_fields)  # type: ignore[arg-type]
    return LiveSession.objects.create(
        channel=channel, status=LiveSession.Status.ENDED, replay=video
    )


def test_a_replay_with_chat_shows_its_panel(
    client: Client, channel: Channel, other_user: User
) -> None:
    session = replay_session(channel, files=True)
    url = f"/videos/{session.replay_id}/"
    assert 'id="replay-chat"' not in client.get(url).content.decode()  # nobody spoke
    ChatMessage.objects.create(
        channel=channel, session=session, author=other_user, text="<b>gg</b>", offset=3
    )
    page = client.get(url).content.decode()
    assert 'id="replay-chat"' in page and "1 message" in page
    assert f'data-chat-url="/api/videos/{session.replay_id}/chat/"' in page
    assert "<b>gg</b>" not in page  # messages come through the API, shown as text


def test_an_upload_has_no_chat_panel(client: Client, user: User) -> None:
    video = make_video(user, "Holiday", files=True)
    assert 'id="replay-chat"' not in client.get(f"/videos/{video.pk}/").content.decode()
