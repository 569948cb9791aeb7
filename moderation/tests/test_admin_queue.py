"""The review queue in the admin: who sees which flags, the evidence, one-click decisions."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from live.models import Channel
from live.tests.factories import create_channel, image_bytes
from moderation import flags, policy, selectors
from moderation.models import BlockedTerm, Flag
from moderation.roles import make_site_moderator
from moderation.tests.conftest import labels

pytestmark = pytest.mark.django_db
QUEUE = "/admin/moderation/flag/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def moderator(db: None) -> User:
    dave = User.objects.create_user("dave", password="pw-dave-12345")
    make_site_moderator(dave)
    return dave


def flag_on(channel: Channel, **found: float) -> Flag:
    found_labels = labels(**found)
    evidence = default_storage.save("moderation/live/e.jpg", ContentFile(image_bytes("JPEG")))
    return flags.flag_from_model(
        kind="channel",
        item_id=channel.pk,
        labels=found_labels,
        decision=policy.decide(found_labels),
        evidence_image=evidence,
    )


def test_moderators_see_every_flag_with_its_evidence(
    user: User, other_user: User, moderator: User
) -> None:
    mine = flag_on(create_channel(user), sexual=0.95)
    theirs = flag_on(create_channel(other_user, slug="bob-live"), sexual=0.97)
    client = client_for(moderator)
    page = client.get(QUEUE).content.decode()
    assert f"{QUEUE}{mine.pk}/evidence/" in page and f"{QUEUE}{theirs.pk}/evidence/" in page
    picture = client.get(f"{QUEUE}{mine.pk}/evidence/")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert "no-store" in picture["Cache-Control"]
    detail = client.get(f"{QUEUE}{mine.pk}/change/").content.decode()
    assert "sexual — 95%" in detail


def test_filters_by_source_label_and_status(user: User, moderator: User) -> None:
    flag_on(create_channel(user), sexual=0.95)
    client = client_for(moderator)
    assert "1 flag" in client.get(QUEUE + "?top_label=sexual&status__exact=open").content.decode()
    assert "0 flags" in client.get(QUEUE + "?source__exact=report").content.decode()


def test_a_streamer_sees_their_channels_flags_read_only(user: User, other_user: User) -> None:
    mine = flag_on(create_channel(user), sexual=0.95)
    theirs = flag_on(create_channel(other_user, slug="bob-live"), sexual=0.97)
    alice = client_for(User.objects.get(pk=user.pk))
    listing = alice.get(QUEUE)
    assert listing.status_code == 200
    assert f"{QUEUE}{mine.pk}/" in listing.content.decode()
    assert f"{QUEUE}{theirs.pk}/" not in listing.content.decode()
    assert alice.get(f"{QUEUE}{theirs.pk}/change/").status_code in (302, 403, 404)
    assert alice.get(f"{QUEUE}{theirs.pk}/evidence/").status_code == 404
    # Looking is all: a streamer cannot decide flags, not even on their own channel.
    answer = alice.post(QUEUE, {"action": "dismiss", "_selected_action": [mine.pk]})
    mine.refresh_from_db()
    assert mine.status == Flag.Status.OPEN and answer.status_code in (200, 302, 403)


def test_one_click_decisions(user: User, moderator: User) -> None:
    video = make_video(user)
    found = labels(hate_symbols=0.9)
    flag = flags.flag_from_model(
        kind="video", item_id=video.pk, labels=found, decision=policy.decide(found)
    )
    client = client_for(moderator)
    client.post(QUEUE, {"action": "dismiss", "_selected_action": [flag.pk]})
    flag.refresh_from_db()
    video.refresh_from_db()
    assert flag.status == Flag.Status.DISMISSED and video.visibility == Video.Visibility.PUBLIC
    client.post(QUEUE, {"action": "ban_owner", "_selected_action": [flag.pk]})
    assert selectors.site_banned(user_id=user.pk)
    assert flag.decisions.filter(action="ban", actor=moderator).exists()


def test_end_stream_on_an_item_without_a_stream_says_so(user: User, moderator: User) -> None:
    video = make_video(user)
    found = labels(sexual=0.95)
    flag = flags.flag_from_model(
        kind="video", item_id=video.pk, labels=found, decision=policy.decide(found)
    )
    page = client_for(moderator).post(
        QUEUE, {"action": "end_stream", "_selected_action": [flag.pk]}, follow=True
    )
    assert "no live stream to end" in page.content.decode()
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN


def test_streamers_keep_their_own_channels_blocked_terms(user: User, other_user: User) -> None:
    channel = create_channel(user)
    other = create_channel(other_user, slug="bob-live")
    alice = client_for(User.objects.get(pk=user.pk))
    site_wide = alice.post("/admin/moderation/blockedterm/add/", {"term": "spoiler", "channel": ""})
    assert site_wide.status_code == 200 and "only site moderators" in site_wide.content.decode()
    foreign = alice.post(
        "/admin/moderation/blockedterm/add/", {"term": "spoiler", "channel": other.pk}
    )
    assert foreign.status_code == 200
    alice.post(
        "/admin/moderation/blockedterm/add/", {"term": "  Spoiler  Alert ", "channel": channel.pk}
    )
    assert list(BlockedTerm.objects.values_list("term", "channel")) == [
        ("spoiler alert", channel.pk)
    ]
