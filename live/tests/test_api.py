"""The channels API: the public contract, owner-only writes, keys for their owner alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from live import keys, presence, services
from live.models import Channel, ChannelModerator, LiveSession
from live.tests.factories import create_channel, image_upload, open_session

pytestmark = pytest.mark.django_db

DETAIL_FIELDS = {
    "slug", "title", "description", "tags", "owner", "is_live", "hls_url", "viewer_count",
    "backend", "thumbnail_url", "avatar_url", "offline_image_url", "created",
    "replay_visibility", "chat_slow_mode_seconds", "provisioning",
}  # fmt: skip


def test_create_list_and_read(alice_api: APIClient, api: APIClient, user: User) -> None:
    created = alice_api.post(
        "/api/channels/",
        {"slug": "alice-live", "title": "Alice", "tags": ["Chess", "talk"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created["Location"] == "/api/channels/alice-live/"
    body = created.json()
    assert set(body) == DETAIL_FIELDS
    assert body["owner"] == "alice" and body["tags"] == ["chess", "talk"]
    assert (body["is_live"], body["hls_url"], body["viewer_count"]) == (False, None, 0)
    assert body["backend"] == "local" and body["replay_visibility"] == "public"
    assert api.get("/api/channels/alice-live/").json() == body
    listing = api.get("/api/channels/").json()
    assert listing["count"] == 1 and listing["results"] == [body]


def test_forms_send_tags_as_one_text(alice_api: APIClient) -> None:
    body = {"slug": "form-made", "title": "Form", "tags": "Music, lo-fi  chill"}
    created = alice_api.post("/api/channels/", body)
    assert created.status_code == 201, created.json()
    assert created.json()["tags"] == ["music", "lo-fi", "chill"]
    edited = alice_api.patch(
        "/api/channels/form-made/", {"tags": "art", "avatar": image_upload()}, format="multipart"
    )
    assert edited.json()["tags"] == ["art"] and edited.json()["avatar_url"]
    bad = alice_api.patch("/api/channels/form-made/", {"tags": "a b c d e f g h i j k"})
    assert bad.status_code == 400 and "at most" in bad.json()["tags"][0]


def test_live_channels_come_first_then_the_newest(
    user: User, other_user: User, api: APIClient
) -> None:
    old = create_channel(user, slug="old-one")
    create_channel(user, slug="newer-one")
    create_channel(other_user, slug="newest-one")
    open_session(old)
    slugs = [c["slug"] for c in api.get("/api/channels/").json()["results"]]
    assert slugs == ["old-one", "newest-one", "newer-one"]


def test_a_live_channel_has_its_playlist_and_viewers(
    channel: Channel, api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = open_session(channel)
    monkeypatch.setattr(presence, "viewer_counts", lambda ids: dict.fromkeys(ids, 7))
    body = api.get(f"/api/channels/{channel.slug}/").json()
    assert body["is_live"] is True and body["viewer_count"] == 7
    assert body["hls_url"] == f"/media/{session.hls_path}"
    assert api.get("/api/channels/").json()["results"][0]["viewer_count"] == 7


def test_the_key_is_for_the_owner_alone(
    channel: Channel, alice_api: APIClient, bob_api: APIClient, api: APIClient, settings: Any
) -> None:
    key = services.stream_key(channel)
    own = alice_api.get(f"/api/channels/{channel.slug}/stream-key/")
    assert own.status_code == 200
    assert own.json() == {"stream_key": key, "ingest_url": settings.LIVE_INGEST_URL}
    assert own["Cache-Control"] == "no-store"
    for client in (bob_api, api):
        refused = client.get(f"/api/channels/{channel.slug}/stream-key/")
        assert refused.status_code == 404 and key not in refused.content.decode()
        # The same answer as a channel that does not exist: nothing confirmed.
        assert refused.json() == client.get("/api/channels/nothing-here/stream-key/").json()
        rotated = client.post(f"/api/channels/{channel.slug}/stream-key/rotate/")
        assert rotated.status_code in (401, 404) and "stream_key" not in rotated.json()
    # …and never in the channel's own answers, nor as HTML through the browsable API.
    for path in (f"/api/channels/{channel.slug}/", "/api/channels/"):
        assert key not in alice_api.get(path).content.decode()
    html = alice_api.get(f"/api/channels/{channel.slug}/", HTTP_ACCEPT="text/html")
    assert key not in html.content.decode()
    as_html = alice_api.get(f"/api/channels/{channel.slug}/stream-key/", HTTP_ACCEPT="text/html")
    assert as_html.status_code == 406


def test_rotation_gives_a_new_key_and_drops_the_publisher(
    channel: Channel,
    alice_api: APIClient,
    bus_messages: list[tuple[str, dict[str, Any]]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    old = services.stream_key(channel)
    with django_capture_on_commit_callbacks(execute=True):
        rotated = alice_api.post(f"/api/channels/{channel.slug}/stream-key/rotate/")
    assert rotated.status_code == 200 and rotated["Cache-Control"] == "no-store"
    new = rotated.json()["stream_key"]
    assert new != old and keys.matches(new, Channel.objects.get().stream_key_encrypted)
    assert alice_api.get(f"/api/channels/{channel.slug}/stream-key/").json()["stream_key"] == new
    assert bus_messages[0][1] == {
        "type": "ingest.drop",
        "channel": channel.pk,
        "reason": "key_rotated",
    }


def test_rotations_are_rate_limited(
    channel: Channel, alice_api: APIClient, settings: Any, limits_clock: Any
) -> None:
    settings.RATE_KEY_ROTATIONS = "2/h"
    for _ in range(2):
        assert alice_api.post(f"/api/channels/{channel.slug}/stream-key/rotate/").status_code == 200
    key = services.stream_key(Channel.objects.get())
    refused = alice_api.post(f"/api/channels/{channel.slug}/stream-key/rotate/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many stream key rotations" in refused.json()["detail"]
    assert services.stream_key(Channel.objects.get()) == key
    limits_clock.advance(3600)
    assert alice_api.post(f"/api/channels/{channel.slug}/stream-key/rotate/").status_code == 200


def test_channel_creation_is_rate_limited_and_refusals_do_not_count(
    alice_api: APIClient, settings: Any, limits_clock: Any
) -> None:
    settings.RATE_CHANNEL_CREATES = "1/h"
    assert alice_api.post("/api/channels/", {"slug": "admin", "title": "x"}).status_code == 400
    assert alice_api.post("/api/channels/", {"slug": "first", "title": "x"}).status_code == 201
    refused = alice_api.post("/api/channels/", {"slug": "second", "title": "x"})
    assert refused.status_code == 429 and "Too many new channels" in refused.json()["detail"]


def test_creation_refusals(alice_api: APIClient, bob_api: APIClient, settings: Any) -> None:
    assert alice_api.post("/api/channels/", {"slug": "mine", "title": "x"}).status_code == 201
    taken = bob_api.post("/api/channels/", {"slug": "mine", "title": "x"})
    assert taken.status_code == 400 and "taken" in taken.json()["slug"][0]
    reserved = bob_api.post("/api/channels/", {"slug": "api", "title": "x"})
    assert reserved.status_code == 400 and "reserved" in reserved.json()["slug"][0]
    settings.LIVE_CHANNELS_PER_USER = 1
    over = alice_api.post("/api/channels/", {"slug": "another", "title": "x"})
    assert over.status_code == 403 and "1 channels" in over.json()["detail"]
    anonymous = APIClient().post("/api/channels/", {"slug": "anon", "title": "x"})
    assert anonymous.status_code in (401, 403)
    assert list(Channel.objects.values_list("slug", flat=True)) == ["mine"]


def test_owner_edits_others_cannot(
    channel: Channel, alice_api: APIClient, bob_api: APIClient, api: APIClient
) -> None:
    path = f"/api/channels/{channel.slug}/"
    edited = alice_api.patch(
        path, {"title": "Renamed", "tags": ["Art"], "replay_visibility": "private"}, format="json"
    )
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["title"], edited.json()["tags"]) == ("Renamed", ["art"])
    refused = bob_api.patch(path, {"title": "Mine now"}, format="json")
    assert refused.status_code == 403 and "owner" in refused.json()["detail"]
    assert api.patch(path, {"title": "x"}, format="json").status_code == 401
    assert bob_api.delete(path).status_code == 403
    assert Channel.objects.get().title == "Renamed"


def test_images_through_multipart_and_removal_through_json(
    channel: Channel, alice_api: APIClient, api: APIClient
) -> None:
    path = f"/api/channels/{channel.slug}/"
    sent = alice_api.patch(
        path, {"avatar": image_upload(), "offline_image": image_upload()}, format="multipart"
    )
    assert sent.status_code == 200, sent.json()
    avatar = sent.json()["avatar_url"]
    assert avatar.startswith(f"/media/channels/{channel.pk}/images/avatar-")
    assert Client().get(avatar)["Content-Type"] == "image/png"
    removed = alice_api.patch(path, {"avatar": None}, format="json")
    assert removed.json()["avatar_url"] is None and removed.json()["offline_image_url"]
    bad = alice_api.patch(
        path, {"avatar": image_upload("x.png", b"<html></html>")}, format="multipart"
    )
    assert bad.status_code == 400 and "not a JPEG, PNG or WebP" in bad.json()["avatar"][0]


def test_image_uploads_are_rate_limited(
    channel: Channel, alice_api: APIClient, settings: Any, limits_clock: Any
) -> None:
    settings.RATE_CHANNEL_IMAGES = "1/h"
    path = f"/api/channels/{channel.slug}/"
    assert alice_api.patch(path, {"avatar": image_upload()}, format="multipart").status_code == 200
    assert alice_api.patch(path, {"title": "Text is not limited"}, format="json").status_code == 200
    refused = alice_api.patch(path, {"avatar": image_upload()}, format="multipart")
    assert refused.status_code == 429


def test_delete(channel: Channel, alice_api: APIClient) -> None:
    open_session(channel)
    live = alice_api.delete(f"/api/channels/{channel.slug}/")
    assert live.status_code == 409 and "end the stream" in live.json()["detail"]
    Channel.objects.update(is_live=False)
    LiveSession.objects.update(status=LiveSession.Status.ENDED)
    assert alice_api.delete(f"/api/channels/{channel.slug}/").status_code == 204
    assert alice_api.get(f"/api/channels/{channel.slug}/").status_code == 404


def test_end_by_owner_or_operator(
    channel: Channel,
    alice_api: APIClient,
    bob_api: APIClient,
    other_user: User,
    bus_messages: list[tuple[str, dict[str, Any]]],
) -> None:
    path = f"/api/channels/{channel.slug}/end/"
    offline = alice_api.post(path)
    assert offline.status_code == 409 and offline.json()["detail"] == "The channel is not live."
    open_session(channel)
    refused = bob_api.post(path)
    assert refused.status_code == 403 and bus_messages == []
    bob_is_staff_only = User.objects.filter(pk=other_user.pk).update(is_staff=True)
    assert bob_is_staff_only and bob_api.post(path).status_code == 403  # staff is not enough
    other_user.user_permissions.add(Permission.objects.get(codename="end_any_session"))
    bob = User.objects.get(pk=other_user.pk)
    operator = APIClient()
    operator.force_authenticate(bob)
    assert operator.post(path).status_code == 202
    assert bus_messages[-1][1]["reason"] == "ended_by_staff"
    ended = alice_api.post(path)
    assert ended.status_code == 202 and ended.json()["slug"] == channel.slug
    assert bus_messages[-1][1]["reason"] == "ended_by_owner"


def test_replays_follow_the_catalog_rules(
    channel: Channel, user: User, alice_api: APIClient, bob_api: APIClient, api: APIClient
) -> None:
    replays = {}
    for visibility in ("public", "unlisted", "private"):
        video = make_video(user, visibility, visibility=visibility, kind=Video.Kind.REPLAY)
        LiveSession.objects.create(channel=channel, status="ended", replay=video)
        replays[visibility] = video
    make_video(user, "An upload, not a replay")
    other = create_channel(user, slug="other-channel")
    LiveSession.objects.create(
        channel=other, status="ended", replay=make_video(user, "x", kind=Video.Kind.REPLAY)
    )
    path = f"/api/channels/{channel.slug}/replays/"
    public = api.get(path).json()
    assert public["count"] == 1 and public["results"][0]["title"] == "public"
    assert public["results"][0] == api.get(f"/api/videos/{replays['public'].pk}/").json()
    assert [v["title"] for v in bob_api.get(path).json()["results"]] == ["public"]
    own = {v["title"] for v in alice_api.get(path).json()["results"]}
    assert own == {"public", "unlisted", "private"}


def test_moderators(
    channel: Channel, alice_api: APIClient, bob_api: APIClient, api: APIClient, other_user: User
) -> None:
    path = f"/api/channels/{channel.slug}/moderators/"
    assert bob_api.post(path, {"username": "bob"}).status_code == 403
    assert bob_api.get(path).status_code == 403
    assert api.get(path).status_code == 401
    added = alice_api.post(path, {"username": "bob"}, format="json")
    assert added.status_code == 201 and added.json()["username"] == "bob"
    assert alice_api.post(path, {"username": "bob"}, format="json").status_code == 200
    listed = alice_api.get(path).json()
    assert [m["username"] for m in listed] == ["bob"] and listed[0]["created"]
    assert bob_api.get(path).status_code == 200  # a moderator sees who else moderates
    unknown = alice_api.post(path, {"username": "nobody"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["username"]
    itself = alice_api.post(path, {"username": "alice"}, format="json")
    assert itself.status_code == 400 and "owner" in itself.json()["username"][0]
    assert bob_api.delete(f"{path}bob/").status_code == 403
    assert alice_api.delete(f"{path}bob/").status_code == 204
    assert alice_api.delete(f"{path}bob/").status_code == 404
    assert not ChannelModerator.objects.exists()


def test_health(channel: Channel, alice_api: APIClient, bob_api: APIClient, api: APIClient) -> None:
    path = f"/api/channels/{channel.slug}/health/"
    offline = alice_api.get(path).json()
    assert offline == {"health": None, "status": None, "started": None, "keyframe_warning": None}
    figures = {
        "bitrate": 4_500_000,
        "frame_rate": 30,
        "keyframe_interval": 2.0,
        "dropped_frames": 3,
    }
    open_session(channel, health=figures)
    live = alice_api.get(path)
    assert live["Cache-Control"] == "no-store"
    body = live.json()
    assert body["health"] == figures and body["status"] == "live" and body["started"]
    assert body["keyframe_warning"] is True
    LiveSession.objects.update(health={**figures, "keyframe_interval": 1.0})
    assert alice_api.get(path).json()["keyframe_warning"] is False
    assert bob_api.get(path).status_code == 403
    assert api.get(path).status_code == 401


def test_keys_never_reach_the_logs(
    alice_api: APIClient,
    bob_api: APIClient,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level("DEBUG")
    with django_capture_on_commit_callbacks(execute=True):
        alice_api.post("/api/channels/", {"slug": "logged", "title": "Logged"}, format="json")
        first = alice_api.get("/api/channels/logged/stream-key/").json()["stream_key"]
        second = alice_api.post("/api/channels/logged/stream-key/rotate/").json()["stream_key"]
        bob_api.get("/api/channels/logged/stream-key/")
        bob_api.post("/api/channels/logged/stream-key/rotate/")
    assert "stream key rotated" in caplog.text  # the rotation is logged, by channel id
    assert first not in caplog.text and second not in caplog.text
