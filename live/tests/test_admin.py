"""Streamers in the admin: each sees and changes only their own; superusers see everything."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import quote
from django.test import Client

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from live import services
from live.models import Channel, ChannelModerator, LiveSession
from live.tests.factories import create_channel, image_upload, open_session

pytestmark = pytest.mark.django_db


class Streamer:
    """One streamer's objects: a channel, an ended session with a replay, a moderator."""

    def __init__(self, user: User, slug: str, moderator: User) -> None:
        self.user = user
        self.channel = create_channel(user, slug=slug, title=f"{slug} channel")
        self.replay = make_video(user, f"{slug} replay", kind=Video.Kind.REPLAY)
        self.session = LiveSession.objects.create(
            channel=self.channel, status=LiveSession.Status.ENDED, replay=self.replay
        )
        self.moderator = services.moderator_add(channel=self.channel, user=moderator)
        self.client = Client()
        self.client.force_login(User.objects.get(pk=user.pk))

    def urls(self) -> dict[str, str]:
        """Every admin page of this streamer's objects."""
        found = {}
        for name, obj in (
            ("channel", self.channel),
            ("livesession", self.session),
            ("channelmoderator", self.moderator),
        ):
            found[name] = f"/admin/live/{name}/{quote(obj.pk)}/"
        found["video"] = f"/admin/catalog/video/{quote(self.replay.pk)}/"  # as the admin writes ids
        return found


@pytest.fixture
def a(user: User, carol: User) -> Streamer:
    return Streamer(user, "alice-live", carol)


@pytest.fixture
def b(other_user: User, carol: User) -> Streamer:
    return Streamer(other_user, "bob-live", carol)


@pytest.fixture
def root_client(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-long-2"))
    return client


def snapshot(streamer: Streamer) -> list[Any]:
    """Everything of a streamer's that another must not change."""
    return [
        list(Channel.objects.filter(pk=streamer.channel.pk).values()),
        list(LiveSession.objects.filter(pk=streamer.session.pk).values()),
        list(ChannelModerator.objects.filter(channel=streamer.channel).values()),
        list(Video.objects.filter(pk=streamer.replay.pk).values("title", "visibility", "owner")),
    ]


def test_a_channel_owner_signs_in_to_the_admin_and_sees_only_live_and_videos(a: Streamer) -> None:
    index = a.client.get("/admin/")
    assert index.status_code == 200
    html = index.content.decode()
    assert "/admin/live/channel/" in html and "/admin/catalog/video/" in html
    assert "/admin/accounts/user/" not in html and "/admin/catalog/transcodejob/" not in html
    assert a.client.get("/admin/accounts/user/").status_code == 403


@pytest.mark.parametrize("model", ["channel", "livesession", "channelmoderator", "video"])
def test_changelists_show_only_ones_own(
    a: Streamer, b: Streamer, root_client: Client, model: str
) -> None:
    listing = a.urls()[model].rsplit("/", 2)[0] + "/"
    mine = a.client.get(listing)
    assert mine.status_code == 200
    html = mine.content.decode()
    assert a.urls()[model] in html and b.urls()[model] not in html
    assert "bob-live" not in html
    everything = root_client.get(listing).content.decode()
    assert a.urls()[model] in everything and b.urls()[model] in everything


@pytest.mark.parametrize("model", ["channel", "livesession", "channelmoderator", "video"])
@pytest.mark.parametrize("page", ["change/", "delete/", "history/"])
def test_anothers_objects_cannot_be_opened_by_url(
    a: Streamer, b: Streamer, model: str, page: str
) -> None:
    response = a.client.get(f"{b.urls()[model]}{page}", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]  # "doesn't exist", as if missing
    assert "bob-live" not in response.content.decode()
    assert b.client.get(f"{b.urls()[model]}{page}").status_code == 200  # B can


def test_anothers_objects_cannot_be_changed_or_deleted_by_posting(
    a: Streamer, b: Streamer, bus_messages: list[Any]
) -> None:
    before = snapshot(b)
    objects = {"channel": b.channel, "livesession": b.session, "channelmoderator": b.moderator,
               "video": b.replay}  # fmt: skip
    for model, url in b.urls().items():
        a.client.post(f"{url}change/", {"title": "Taken over", "visibility": "private"})
        a.client.post(f"{url}delete/", {"post": "yes"})
        listing = url.rsplit("/", 2)[0] + "/"
        for action in ("delete_selected", "rotate_key", "end_live_session"):
            selected = [objects[model].pk]
            a.client.post(listing, {"action": action, "_selected_action": selected, "post": "yes"})
    assert snapshot(b) == before and bus_messages == []


def test_moderator_choices_are_ones_own_channels(a: Streamer, b: Streamer, carol: User) -> None:
    form = a.client.get("/admin/live/channelmoderator/add/").content.decode()
    assert f'value="{a.channel.pk}"' in form and f'value="{b.channel.pk}"' not in form
    dave = User.objects.create_user("dave", "dave@example.com", "dave-passphrase-1")
    refused = a.client.post(
        "/admin/live/channelmoderator/add/", {"channel": b.channel.pk, "username": "dave"}
    )
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not ChannelModerator.objects.filter(user=dave).exists()
    added = a.client.post(
        "/admin/live/channelmoderator/add/", {"channel": a.channel.pk, "username": "dave"}
    )
    assert added.status_code == 302
    assert ChannelModerator.objects.filter(user=dave, channel=a.channel).exists()
    again = a.client.post(
        "/admin/live/channelmoderator/add/", {"channel": a.channel.pk, "username": "dave"}
    )
    assert "already moderates" in again.content.decode()


def test_a_streamer_adds_a_channel_of_their_own(a: Streamer, settings: Any) -> None:
    response = a.client.post(
        "/admin/live/channel/add/",
        {
            "slug": "second-show",
            "title": "Second show",
            "description": "",
            "tags_text": "Talk, news",
            "replay_visibility": "unlisted",
            "avatar_upload": image_upload(),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    channel = Channel.objects.get(slug="second-show")
    assert channel.owner == a.user and channel.tags == ["talk", "news"]
    assert channel.replay_visibility == "unlisted" and channel.avatar.name
    assert services.stream_key(channel)  # made by the service, with its key
    assert LogEntry.objects.filter(object_id=channel.pk).exists()
    settings.LIVE_CHANNELS_PER_USER = 2
    over = a.client.post(
        "/admin/live/channel/add/", {"slug": "third", "title": "x", "replay_visibility": "public"}
    )
    assert (
        "2 channels" in over.content.decode() and not Channel.objects.filter(slug="third").exists()
    )
    reserved = a.client.post(
        "/admin/live/channel/add/", {"slug": "admin", "title": "x", "replay_visibility": "public"}
    )
    assert "reserved" in reserved.content.decode()


def test_editing_through_the_admin_checks_images(a: Streamer) -> None:
    url = f"{a.urls()['channel']}change/"
    before = snapshot(a)
    bad = a.client.post(
        url,
        {"title": "New", "description": "", "tags_text": "", "replay_visibility": "public",
         "avatar_upload": image_upload("x.png", b"<html>not an image</html>")},
    )  # fmt: skip
    assert bad.status_code == 200 and "not a JPEG, PNG or WebP" in bad.content.decode()
    assert snapshot(a) == before
    good = a.client.post(
        url,
        {"title": "New", "description": "d", "tags_text": "a, b", "replay_visibility": "private",
         "avatar_upload": image_upload()},
    )  # fmt: skip
    assert good.status_code == 302
    channel = Channel.objects.get(pk=a.channel.pk)
    assert (channel.title, channel.tags, channel.replay_visibility) == (
        "New",
        ["a", "b"],
        "private",
    )
    assert channel.avatar.name and channel.slug == "alice-live"


def test_actions_rotate_end_and_show_settings_without_the_key(
    a: Streamer, bus_messages: list[Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = services.stream_key(a.channel)
    listing = "/admin/live/channel/"
    with django_capture_on_commit_callbacks(execute=True):
        rotated = a.client.post(
            listing, {"action": "rotate_key", "_selected_action": [a.channel.pk]}, follow=True
        )
    new = services.stream_key(Channel.objects.get(pk=a.channel.pk))
    html = rotated.content.decode()
    assert new != old and new not in html and old not in html
    assert f'href="/me/channels/{a.channel.slug}/"' in html
    assert bus_messages[-1][1]["reason"] == "key_rotated"
    not_live = a.client.post(
        listing, {"action": "end_live_session", "_selected_action": [a.channel.pk]}, follow=True
    )
    assert "not live" in not_live.content.decode()
    open_session(a.channel)
    a.client.post(listing, {"action": "end_live_session", "_selected_action": [a.channel.pk]})
    assert bus_messages[-1][1] == {
        "type": "ingest.drop",
        "channel": a.channel.pk,
        "reason": "ended_by_owner",
    }
    shown = a.client.post(
        listing, {"action": "show_ingest_settings", "_selected_action": [a.channel.pk]}, follow=True
    ).content.decode()
    assert settings.LIVE_INGEST_URL in shown and new not in shown
    change = a.client.get(f"{a.urls()['channel']}change/").content.decode()
    assert settings.LIVE_INGEST_URL in change and new not in change
    assert a.channel.stream_key_hash not in change


def test_a_superuser_ends_anyones_stream_as_staff(
    a: Streamer, root_client: Client, bus_messages: list[Any]
) -> None:
    open_session(a.channel)
    root_client.post(
        "/admin/live/channel/", {"action": "end_live_session", "_selected_action": [a.channel.pk]}
    )
    assert bus_messages[-1][1]["reason"] == "ended_by_staff"


def test_a_streamer_manages_their_replays(a: Streamer, b: Streamer) -> None:
    url = f"{a.urls()['video']}change/"
    page = a.client.get(url).content.decode()
    assert 'name="owner"' not in page  # nobody but a superuser gives a video away
    changed = a.client.post(
        url, {"title": "Renamed", "description": "", "visibility": "private", "owner": b.user.pk}
    )
    assert changed.status_code == 302
    replay = Video.objects.get(pk=a.replay.pk)
    assert (replay.title, replay.visibility, replay.owner) == ("Renamed", "private", a.user)
    confirm = a.client.get(f"{a.urls()['video']}delete/").content.decode()
    assert "permission" not in confirm
    assert a.client.post(f"{a.urls()['video']}delete/", {"post": "yes"}).status_code == 302
    assert not Video.objects.filter(pk=a.replay.pk).exists()
    assert Video.objects.filter(pk=b.replay.pk).exists()


def test_sessions_are_read_only_and_only_ended_ones_deleted(a: Streamer) -> None:
    live = open_session(a.channel)
    page = a.client.get(f"/admin/live/livesession/{quote(live.pk)}/change/").content.decode()
    assert 'name="_save"' not in page and "lease_host" not in page
    a.client.post(f"/admin/live/livesession/{quote(live.pk)}/delete/", {"post": "yes"})
    assert LiveSession.objects.filter(pk=live.pk).exists()
    a.client.post(f"{a.urls()['livesession']}delete/", {"post": "yes"})
    assert not LiveSession.objects.filter(pk=a.session.pk).exists()
    assert Video.objects.filter(pk=a.replay.pk).exists()  # the replay stays a video
