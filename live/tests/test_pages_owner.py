"""The streamer's pages under /me/channels/: owner only, no key in the HTML, refusals by field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video, stored_files
from catalog.tests.page_helpers import assert_csp_safe
from live import services
from live.models import Channel, ChannelModerator, LiveSession
from live.tests.factories import create_channel, image_bytes, image_upload, open_session, png_bomb

pytestmark = pytest.mark.django_db


def pages(slug: str) -> list[str]:
    base = f"/me/channels/{slug}/"
    return [base, f"{base}edit/", f"{base}moderators/", f"{base}replays/", f"{base}delete/"]


def test_every_page_is_the_owners_alone_and_never_holds_the_key(
    channel: Channel, alice: Client, bob: Client, client: Client, user: User
) -> None:
    open_session(channel)
    key = services.stream_key(channel)
    LiveSession.objects.create(
        channel=channel, status="ended", replay=make_video(user, "A replay", kind=Video.Kind.REPLAY)
    )
    for path in ["/me/channels/", "/me/channels/new/", *pages(channel.slug)]:
        page = alice.get(path)
        assert page.status_code == 200, path
        html = assert_csp_safe(page)
        assert key not in html and channel.stream_key_encrypted not in html, path
    for path in pages(channel.slug):
        assert bob.get(path).status_code == 404, path
        anonymous = Client().get(path)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_stream_page_shows_the_ingest_and_where_the_key_comes_from(
    channel: Channel, alice: Client, settings: Any
) -> None:
    html = alice.get(f"/me/channels/{channel.slug}/").content.decode()
    assert settings.LIVE_INGEST_URL in html
    assert f'data-stream-key="/api/channels/{channel.slug}/stream-key/"' in html
    assert f'data-health-url="/api/channels/{channel.slug}/health/"' in html
    assert "CBR" in html and "Keyframe interval" in html and "6000 kbps" in html


def test_my_channels_lists_mine_with_their_state(
    user: User, other_user: User, alice: Client
) -> None:
    live = create_channel(user, slug="on-air", title="On air now")
    open_session(live)
    create_channel(user, slug="quiet", title="Quiet one")
    create_channel(other_user, slug="not-mine", title="Bob's")
    html = alice.get("/me/channels/").content.decode()
    assert "On air now" in html and "Quiet one" in html and "Bob's" not in html
    assert html.index("On air now") < html.index("Quiet one")  # live first
    assert "badge--live" in html


def test_create_through_the_form(alice: Client, user: User) -> None:
    response = alice.post(
        "/me/channels/new/",
        {"slug": "night-owl", "title": "Night owl", "description": "Late", "tags": "Jazz, chill"},
    )
    assert response.status_code == 302 and response["Location"] == "/me/channels/night-owl/"
    channel = Channel.objects.get()
    assert (channel.owner, channel.tags) == (user, ["jazz", "chill"])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"slug": "admin", "title": "x"}, "slug", "reserved"),
        ({"slug": "a" * 2048, "title": "x"}, "slug", "at most"),
        ({"slug": "Bad Slug", "title": "x"}, "slug", "lowercase"),
        ({"slug": "nul\x00", "title": "x"}, "slug", "Null characters"),
        ({"slug": "ok-one", "title": "   "}, "title", "required"),
        ({"slug": "ok-one", "title": "x", "tags": "a b c d e f g h i j k"}, "tags", "at most"),
        ({"slug": "ok-one", "title": "x", "tags": "<b>"}, "tags", "not a tag"),
    ],
)
def test_create_refusals_are_next_to_the_field(
    alice: Client, data: dict[str, str], field: str, message: str
) -> None:
    response = alice.post("/me/channels/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Channel.objects.exists()


def test_create_over_the_limit(alice: Client, user: User, settings: Any) -> None:
    settings.LIVE_CHANNELS_PER_USER = 1
    create_channel(user)
    assert "Create a channel" not in alice.get("/me/channels/").content.decode()
    response = alice.post("/me/channels/new/", {"slug": "second", "title": "x"})
    assert "1 channels" in response.content.decode()
    assert Channel.objects.count() == 1


def test_edit_details_and_images(channel: Channel, alice: Client) -> None:
    response = alice.post(
        f"/me/channels/{channel.slug}/edit/",
        {
            "title": "Better title",
            "description": "About",
            "tags": "art, pixel-art",
            "replay_visibility": "unlisted",
            "chat_slow_mode_seconds": "30",
            "avatar": image_upload(),
            "offline_image": image_upload("off.jpg", image_bytes("JPEG"), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.title, channel.tags, channel.replay_visibility) == (
        "Better title", ["art", "pixel-art"], "unlisted",
    )  # fmt: skip
    assert channel.chat_slow_mode_seconds == 30
    refused = alice.post(
        f"/me/channels/{channel.slug}/edit/",
        {"title": "Better title", "replay_visibility": "public", "chat_slow_mode_seconds": "7"},
    )
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    channel.refresh_from_db()
    assert channel.chat_slow_mode_seconds == 30
    assert channel.avatar.name.endswith(".png") and channel.offline_image.name.endswith(".jpg")
    page = alice.get(f"/me/channels/{channel.slug}/edit/").content.decode()
    assert channel.avatar.url in page
    cleared = alice.post(
        f"/me/channels/{channel.slug}/edit/",
        {"title": "Better title", "replay_visibility": "public", "remove_avatar": "on"},
    )
    assert cleared.status_code == 302
    channel.refresh_from_db()
    assert channel.avatar.name == "" and channel.offline_image.name


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: image_upload("evil.png", b"<html><script>x</script></html>"), "not a JPEG"),
        (lambda: image_upload("bomb.png", png_bomb()), "too many pixels"),
        (lambda: image_upload("cut.png", image_bytes("PNG", (300, 300))[:200]), "not a JPEG"),
        (lambda: image_upload("big.png", b"\x00" * (10 * 1024 * 1024)), "may be up to"),
    ],
)
def test_a_bad_image_saves_nothing(
    channel: Channel,
    alice: Client,
    media_root: Path,
    upload: Callable[[], Any],
    message: str,
    channel_rows: Callable[[], list[tuple[Any, ...]]],
) -> None:
    before = channel_rows()
    response = alice.post(
        f"/me/channels/{channel.slug}/edit/",
        {"title": "Changed", "replay_visibility": "private", "avatar": upload(),
         "offline_image": image_upload()},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in errors["avatar"][0]
    assert channel_rows() == before and stored_files(media_root) == []


def test_rotate_end_and_delete(
    channel: Channel,
    alice: Client,
    bus_messages: list[tuple[str, dict[str, Any]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    old = services.stream_key(channel)
    with django_capture_on_commit_callbacks(execute=True):
        rotated = alice.post(f"/me/channels/{channel.slug}/rotate/")
    assert rotated["Location"] == f"/me/channels/{channel.slug}/#stream-key"
    assert services.stream_key(Channel.objects.get()) != old
    assert alice.get(f"/me/channels/{channel.slug}/rotate/").status_code == 405
    ended = alice.post(f"/me/channels/{channel.slug}/end/", follow=True)
    assert "not live" in ended.content.decode()
    open_session(channel)
    alice.post(f"/me/channels/{channel.slug}/end/")
    assert bus_messages[-1][1]["reason"] == "ended_by_owner"
    refused = alice.post(f"/me/channels/{channel.slug}/delete/", follow=True)
    assert "end the stream" in refused.content.decode() and Channel.objects.exists()
    Channel.objects.update(is_live=False)
    LiveSession.objects.update(status="ended")
    assert alice.post(f"/me/channels/{channel.slug}/delete/").status_code == 302
    assert not Channel.objects.exists()


def test_rotation_is_rate_limited(
    channel: Channel, alice: Client, settings: Any, limits_clock: Any
) -> None:
    settings.RATE_KEY_ROTATIONS = "1/h"
    alice.post(f"/me/channels/{channel.slug}/rotate/")
    key = services.stream_key(Channel.objects.get())
    refused = alice.post(f"/me/channels/{channel.slug}/rotate/", follow=True)
    assert "Too many stream key rotations" in refused.content.decode()
    assert services.stream_key(Channel.objects.get()) == key


def test_others_cannot_act_on_my_channel(
    channel: Channel,
    bob: Client,
    channel_rows: Callable[[], list[tuple[Any, ...]]],
    bus_messages: list[tuple[str, dict[str, Any]]],
) -> None:
    open_session(channel)
    before = channel_rows()
    for action in ("rotate", "end", "delete", "edit", "moderators"):
        response = bob.post(
            f"/me/channels/{channel.slug}/{action}/", {"title": "x", "username": "bob"}
        )
        assert response.status_code == 404, action
    assert channel_rows() == before and bus_messages == []
    assert not ChannelModerator.objects.exists()


def test_moderators_page(channel: Channel, alice: Client, other_user: User) -> None:
    path = f"/me/channels/{channel.slug}/moderators/"
    unknown = alice.post(path, {"username": "nobody"})
    assert "No account has this username." in unknown.content.decode()
    itself = alice.post(path, {"username": "alice"})
    assert "already moderates" in itself.content.decode()
    assert alice.post(path, {"username": "bob"}).status_code == 302
    assert "bob" in alice.get(path).content.decode()
    assert alice.post(f"{path}bob/remove/").status_code == 302
    assert not ChannelModerator.objects.exists()


def test_replays_page_lists_all_of_mine(channel: Channel, alice: Client, user: User) -> None:
    for visibility in ("public", "private"):
        video = make_video(
            user, f"{visibility} replay", visibility=visibility, kind=Video.Kind.REPLAY
        )
        LiveSession.objects.create(channel=channel, status="ended", replay=video)
        html = alice.get(f"/me/channels/{channel.slug}/replays/").content.decode()
        assert f"{visibility} replay" in html
        assert f"/me/videos/{video.pk}/edit/" in html and f"/me/videos/{video.pk}/delete/" in html
