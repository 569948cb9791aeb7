"""Hostile and oversized input to the channels API: clear 4xx answers, nothing half-saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.tests.api_helpers import stored_files
from live import details
from live.models import Channel
from live.tests.factories import image_upload

pytestmark = pytest.mark.django_db

BAD_CREATES: list[tuple[Any, str]] = [
    ({"slug": "a" * 2048, "title": "x"}, "slug"),
    ({"slug": "nul\x00byte", "title": "x"}, "slug"),
    ({"slug": "ok-slug", "title": "nul\x00"}, "title"),
    ({"slug": "ok-slug", "title": "x", "description": "a\x00b"}, "description"),
    ({"slug": 12345, "title": "x"}, "slug"),
    ({"slug": ["a", "b"], "title": "x"}, "slug"),
    ({"slug": "ok-slug", "title": {"nested": 1}}, "title"),
    ({"slug": "ok-slug", "title": True}, "title"),
    ({"slug": "ok-slug", "title": "x", "tags": "music"}, "tags"),
    ({"slug": "ok-slug", "title": "x", "tags": [1, 2]}, "tags"),
    ({"slug": "ok-slug", "title": "x", "tags": ["t"] * 100_000}, "tags"),
    ({"slug": "ok-slug", "title": "x", "tags": ["x" * 5000]}, "tags"),
    ({"slug": "ok-slug", "title": "x", "tags": [None]}, "tags"),
    ({"slug": "ok-slug\n", "title": "x"}, "slug"),
    ({"slug": " ok-slug", "title": "x"}, "slug"),
    ({"slug": "ok-slug", "title": "x" * (details.TITLE_MAX + 1)}, "title"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATES)
def test_bad_creates_are_field_errors(alice_api: APIClient, body: Any, field: str) -> None:
    response = alice_api.post("/api/channels/", body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert len(response.content) < 2000  # the error does not echo a huge input back
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"slug": "json-here", "title": "x"}', "multipart/form-data; boundary=xyz"),
        (b'{"slug": "json-here", "title": "x"}', "multipart/form-data"),
        (b"not json at all", "application/json"),
        (b'["a", "list"]', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"slug=form&title=x", "text/plain"),
    ],
)
def test_bodies_that_are_not_what_they_say(
    alice_api: APIClient, body: bytes, content_type: str
) -> None:
    response = alice_api.generic(
        "POST",
        "/api/channels/",
        body,  # type: ignore[arg-type]  # bytes are sent as they are
        content_type=content_type,
    )
    assert response.status_code in (400, 415), response.content[:300]
    assert isinstance(response.json(), dict)  # a JSON refusal (a multipart body with no part
    assert not Channel.objects.exists()  # names the missing fields; the others say why)


@pytest.mark.parametrize(
    "path",
    [
        "/api/channels/" + "a" * 2048 + "/",
        "/api/channels/%00abc/",
        "/api/channels/ABC/",
        "/api/channels/..%2F..%2Fetc/",
        "/api/channels/" + "a" * 2048 + "/stream-key/",
        "/api/channels/alice-live/moderators/" + "b" * 2048 + "/",
        "/api/channels/alice-live/moderators/%00/",
    ],
)
def test_odd_paths_are_json_404s(channel: Channel, alice_api: APIClient, path: str) -> None:
    method = "delete" if "moderators" in path else "get"
    response = getattr(alice_api, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


PATCHES: list[tuple[Any, str]] = [
    ({}, "non_field_errors"),
    ({"slug": "renamed"}, "non_field_errors"),  # the address is fixed once chosen
    ({"stream_key_hash": "x"}, "non_field_errors"),
    ({"owner": "bob"}, "non_field_errors"),
    ({"title": ""}, "title"),
    ({"title": 5}, "title"),
    ({"tags": ["ok"] * (details.TAGS_MAX + 1)}, "tags"),
    ({"tags": ["no spaces"]}, "tags"),
    ({"replay_visibility": "everyone"}, "replay_visibility"),
    ({"avatar": "not a file"}, "avatar"),
    ({"avatar": 1}, "avatar"),
]


@pytest.mark.parametrize(("body", "field"), PATCHES)
def test_bad_patches_change_nothing(
    channel: Channel,
    alice_api: APIClient,
    body: Any,
    field: str,
    channel_rows: Callable[[], list[tuple[Any, ...]]],
) -> None:
    before = channel_rows()
    response = alice_api.patch(f"/api/channels/{channel.slug}/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert channel_rows() == before


def test_an_oversized_image_with_a_good_title_saves_neither(
    channel: Channel,
    alice_api: APIClient,
    media_root: Path,
    channel_rows: Callable[[], list[tuple[Any, ...]]],
) -> None:
    before = channel_rows()
    huge = image_upload("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024))
    response = alice_api.patch(
        f"/api/channels/{channel.slug}/",
        {"title": "Should not stick", "offline_image": image_upload(), "avatar": huge},
        format="multipart",
    )
    assert response.status_code == 400 and "may be up to" in response.json()["avatar"][0]
    assert channel_rows() == before and stored_files(media_root) == []


def test_moderator_input(channel: Channel, alice_api: APIClient) -> None:
    path = f"/api/channels/{channel.slug}/moderators/"
    for body in ({"username": "x" * 5000}, {"username": 5}, {"username": "a\x00b"}, {}):
        response = alice_api.post(path, body, format="json")
        assert response.status_code == 400 and "username" in response.json(), body
