"""POST /api/reports/: viewers report videos, channels and chat messages; bad input refused."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from catalog.tests.api_helpers import make_video
from live.models import ChatMessage
from live.tests.factories import create_channel
from moderation.models import Flag, Report

pytestmark = pytest.mark.django_db
URL = "/api/reports/"


def test_reporting_a_video_then_again(user: User, bob_api: APIClient) -> None:
    video = make_video(user)
    body = {"kind": "video", "id": video.pk, "reason": "spam", "note": "Links to a scam"}
    first = bob_api.post(URL, body, format="json")
    assert first.status_code == 201
    assert first.json() == {
        "kind": "video",
        "id": video.pk,
        "reason": "spam",
        "reports": 1,
        "new": True,
    }
    again = bob_api.post(URL, body, format="json")
    assert (
        again.status_code == 200 and again.json()["new"] is False and again.json()["reports"] == 1
    )
    assert Report.objects.get().note == "Links to a scam"


def test_reporting_a_channel_and_a_chat_message(
    user: User, other_user: User, bob_api: APIClient
) -> None:
    channel = create_channel(user)
    message = ChatMessage.objects.create(channel=channel, author=user, text="buy followers at …")
    assert (
        bob_api.post(
            URL, {"kind": "channel", "id": channel.slug, "reason": "sexual"}, format="json"
        ).status_code
        == 201
    )
    answer = bob_api.post(
        URL, {"kind": "chat_message", "id": str(message.pk), "reason": "spam"}, format="json"
    )
    assert answer.status_code == 201
    assert Flag.objects.get(item_kind="channel").item_id == channel.pk  # the slug may change
    flag = Flag.objects.get(item_kind="chat_message")
    assert (flag.owner_id, flag.channel_id, flag.item_title) == (
        user.pk,
        channel.pk,
        "buy followers at …",
    )


def test_anonymous_viewers_sign_in_first(api: APIClient, user: User) -> None:
    answer = api.post(
        URL, {"kind": "video", "id": make_video(user).pk, "reason": "spam"}, format="json"
    )
    assert answer.status_code == 401
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "planet", "id": "x", "reason": "spam"}, "kind"),
        ({"kind": "live_session", "id": "x", "reason": "spam"}, "kind"),  # not reportable
        ({"kind": "video", "id": "x", "reason": "boring"}, "reason"),
        ({"kind": "video", "id": "x" * 65, "reason": "spam"}, "id"),
        ({"kind": "video", "id": "x", "reason": "spam", "note": "n" * 501}, "note"),
        ({"kind": "video", "reason": "spam"}, "id"),
        ({"kind": ["video"], "id": "x", "reason": "spam"}, "kind"),
    ],
)
def test_bad_reports_are_refused_field_by_field(
    bob_api: APIClient, body: dict[str, object], field: str
) -> None:
    answer = bob_api.post(URL, body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Flag.objects.exists()


def test_unknown_items_are_404_and_own_items_400(
    user: User, alice_api: APIClient, bob_api: APIClient
) -> None:
    video = make_video(user)
    missing = bob_api.post(
        URL, {"kind": "video", "id": "AAAAAAAAAAA", "reason": "spam"}, format="json"
    )
    assert missing.status_code == 404 and missing.json()["detail"]
    own = alice_api.post(URL, {"kind": "video", "id": video.pk, "reason": "spam"}, format="json")
    assert own.status_code == 400 and "your own" in own.json()["detail"]
    assert not Flag.objects.exists()


def test_reports_are_rate_limited(user: User, bob_api: APIClient, settings) -> None:
    settings.RATE_REPORTS = "2/h"
    videos = [make_video(user, title=f"v{i}") for i in range(3)]
    answers = [
        bob_api.post(URL, {"kind": "video", "id": v.pk, "reason": "spam"}, format="json")
        for v in videos
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert "Too many reports" in answers[2].json()["detail"] and answers[2]["Retry-After"]
    assert Flag.objects.count() == 2
