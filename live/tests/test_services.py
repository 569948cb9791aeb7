"""Channel services: create, update, delete, moderators; refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage

from accounts.models import User
from accounts.services import user_delete
from catalog.models import Video
from catalog.tests.api_helpers import make_video, stored_files, write
from live import bus, details, keys, services, streamers
from live.errors import ChannelIsLive, ChannelLimitReached, InvalidChannel, NotLive
from live.models import Channel, ChannelModerator, LiveSession
from live.tests.factories import create_channel, image_upload, open_session

pytestmark = pytest.mark.django_db


def test_create_cleans_details_and_stores_the_key_encrypted(user: User) -> None:
    channel = services.channel_create(
        owner=user,
        slug="lofi-beats",
        title="  Lo-fi beats  ",
        description=" Study with me ",
        tags=["Music", "lo-fi", "music", "Música"],
    )
    channel.refresh_from_db()
    assert (channel.title, channel.description) == ("Lo-fi beats", "Study with me")
    assert channel.tags == ["music", "lo-fi", "música"]
    key = services.stream_key(channel)
    assert key.startswith(keys.PREFIX) and key not in channel.stream_key_encrypted
    assert channel.stream_key_hash == keys.lookup_hash(key)


def test_the_first_channel_makes_its_owner_a_streamer(user: User) -> None:
    assert not user.is_staff
    create_channel(user)
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(name=streamers.GROUP_NAME).exists()
    group = Group.objects.get(name=streamers.GROUP_NAME)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert "live.change_channel" in granted and "catalog.delete_video" in granted
    assert not any(name.startswith("accounts.") for name in granted)
    # An operator who takes the role away is not overruled by the next channel.
    user.is_staff = False
    user.save()
    user.groups.clear()
    create_channel(user, slug="second-one")
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()


def test_a_superuser_is_not_put_in_the_group(db: None) -> None:
    root = User.objects.create_superuser("root", "root@example.com", "pw-long-enough-2")
    create_channel(root, slug="root-live")
    assert not root.groups.exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "3 to 40 characters"),
        ("a" * 41, "3 to 40 characters"),
        ("Upper", "lowercase letters"),
        ("-dash", "starts and"),
        ("admin", "reserved"),
        ("new", "reserved"),
        ("nul\x00x", "lowercase letters"),
    ],
)
def test_bad_slugs_are_refused(user: User, slug: str, message: str) -> None:
    with pytest.raises(InvalidChannel, match=message) as refused:
        services.channel_create(owner=user, slug=slug, title="T")
    assert refused.value.field == "slug"
    assert not Channel.objects.exists()


def test_taken_slug_and_the_channel_limit(user: User, other_user: User, settings: Any) -> None:
    create_channel(user, slug="taken")
    with pytest.raises(InvalidChannel, match="taken"):
        create_channel(other_user, slug="taken")
    settings.LIVE_CHANNELS_PER_USER = 2
    create_channel(user, slug="second")
    with pytest.raises(ChannelLimitReached, match="2 channels"):
        create_channel(user, slug="third")
    assert Channel.objects.filter(owner=user).count() == 2


TEXT_REFUSALS = [
    ({"title": "   "}, "title"),
    ({"title": "x" * (details.TITLE_MAX + 1)}, "title"),
    ({"title": "nul\x00"}, "title"),
    ({"description": "x" * (details.DESCRIPTION_MAX + 1)}, "description"),
    ({"tags": ["ok"] * 3 + [f"t{i}" for i in range(details.TAGS_MAX)]}, "tags"),
    ({"tags": ["x" * (details.TAG_MAX_CHARS + 1)]}, "tags"),
    ({"tags": ["two words"]}, "tags"),
    ({"tags": ["<script>"]}, "tags"),
    ({"tags": ["nul\x00"]}, "tags"),
    ({"tags": "music"}, "tags"),
    ({"tags": [7]}, "tags"),
    ({"replay_visibility": "secret"}, "replay_visibility"),
]


@pytest.mark.parametrize(("fields", "field"), TEXT_REFUSALS)
def test_update_refusals_change_nothing(
    channel: Channel,
    fields: dict[str, Any],
    field: str,
    media_root: Path,
    channel_rows: Callable[[], list[tuple[Any, ...]]],
) -> None:
    before = channel_rows()
    with pytest.raises(InvalidChannel) as refused:
        services.channel_update(channel=channel, avatar=image_upload(), **fields)
    assert refused.value.field == field
    assert channel_rows() == before
    assert stored_files(media_root) == []  # the valid avatar was not stored either


def test_unknown_fields_are_a_programming_error(channel: Channel) -> None:
    with pytest.raises(TypeError, match="stream_key_hash"):
        services.channel_update(channel=channel, stream_key_hash="x")


def test_update_replaces_and_removes_images_after_commit(
    channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_update(
            channel=channel, avatar=image_upload(), offline_image=image_upload()
        )
    first = channel.avatar.name
    assert default_storage.exists(first) and default_storage.exists(channel.offline_image.name)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.channel_update(channel=channel, avatar=image_upload(), title="New title")
    assert default_storage.exists(first)  # still served until the new name is committed
    for callback in pending:
        callback()
    assert not default_storage.exists(first)
    channel.refresh_from_db()
    assert channel.title == "New title" and default_storage.exists(channel.avatar.name)
    offline = channel.offline_image.name
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_update(channel=channel, offline_image=None)
    channel.refresh_from_db()
    assert channel.offline_image.name == "" and not default_storage.exists(offline)


def test_a_failed_save_removes_the_images_it_stored(
    channel: Channel, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Channel, "save", broken)
    with pytest.raises(RuntimeError):
        services.channel_update(channel=channel, avatar=image_upload())
    assert stored_files(media_root) == []


def test_delete_removes_sessions_moderators_and_images_but_keeps_replays(
    channel: Channel,
    user: User,
    other_user: User,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_update(
            channel=channel, avatar=image_upload(), offline_image=image_upload()
        )
    session = LiveSession.objects.create(channel=channel, status=LiveSession.Status.ENDED)
    replay = make_video(user, "Yesterday's stream", kind=Video.Kind.REPLAY)
    LiveSession.objects.filter(pk=session.pk).update(replay=replay)
    services.moderator_add(channel=channel, user=other_user)
    thumbnail = write(f"live/{channel.pk}/thumbs/t1.jpg", b"jpeg")
    Channel.objects.filter(pk=channel.pk).update(thumbnail_path=thumbnail)
    channel.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_delete(channel=channel)
    assert not Channel.objects.exists()
    assert not LiveSession.objects.exists() and not ChannelModerator.objects.exists()
    assert Video.objects.filter(pk=replay.pk, owner=user).exists()
    assert stored_files(media_root) == []


def test_a_live_channel_is_not_deleted_unless_asked_to_end_it(
    channel: Channel,
    bus_messages: list[tuple[str, dict[str, Any]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    open_session(channel)
    with pytest.raises(ChannelIsLive):
        services.channel_delete(channel=channel)
    assert Channel.objects.filter(pk=channel.pk).exists() and bus_messages == []
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_delete(channel=channel, end_live=True)
    assert not Channel.objects.exists()
    assert bus_messages == [
        (bus.INGEST, {"type": "ingest.drop", "channel": channel.pk, "reason": "ended_by_owner"})
    ]


def test_deleting_an_account_deletes_its_channels_and_their_files(
    user: User,
    other_user: User,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
    bus_messages: list[tuple[str, dict[str, Any]]],
) -> None:
    mine = create_channel(user)
    theirs = create_channel(other_user, slug="bob-live")
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_update(channel=mine, avatar=image_upload())
        services.channel_update(channel=theirs, avatar=image_upload())
    open_session(mine)
    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=user)
    assert list(Channel.objects.values_list("slug", flat=True)) == ["bob-live"]
    assert stored_files(media_root) == sorted([theirs.avatar.name])
    assert [message["channel"] for _, message in bus_messages] == [mine.pk]


def test_moderators_are_appointed_once_and_bounded(
    channel: Channel, user: User, other_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidChannel, match="owner"):
        services.moderator_add(channel=channel, user=user)
    first = services.moderator_add(channel=channel, user=other_user)
    assert services.moderator_add(channel=channel, user=other_user) == first
    monkeypatch.setattr(services, "MODERATORS_MAX", 1)
    third = User.objects.create_user("carol", "c@example.com", "pw-long-enough-3")
    with pytest.raises(InvalidChannel, match="at most 1 moderators"):
        services.moderator_add(channel=channel, user=third)
    services.moderator_remove(channel=channel, user=other_user)
    services.moderator_remove(channel=channel, user=other_user)  # twice: nothing to do
    assert not ChannelModerator.objects.exists()


def test_end_session_asks_the_ingest_and_refuses_offline_channels(
    channel: Channel, bus_messages: list[tuple[str, dict[str, Any]]]
) -> None:
    with pytest.raises(NotLive):
        services.session_request_end(channel=channel, reason="ended_by_owner")
    open_session(channel)
    services.session_request_end(channel=channel, reason="ended_by_owner")
    assert bus_messages[-1][1]["channel"] == channel.pk
