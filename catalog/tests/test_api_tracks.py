"""The music track API: tempo matching (half and double time), search, next, writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Track, Video
from catalog.tests.api_helpers import make_video

pytestmark = pytest.mark.django_db


def make_track(owner: User, title: str, bpm: float | None, **fields: Any) -> Video:
    """A track row (a ready one has outputs) with the given tempo."""
    track_fields = {k: fields.pop(k) for k in ("artist", "album") if k in fields}
    video = make_video(owner, title, kind=Video.Kind.TRACK, **fields)
    Track.objects.create(video=video, bpm=bpm, bpm_confidence=0.9, **track_fields)
    return video


@pytest.fixture
def library(user: User, other_user: User) -> dict[str, Video]:
    """Tracks around 170 BPM (and 85, its half), some outside the tolerance or not listed."""
    tracks = {
        "exact": make_track(user, "Exact", 170.0),
        "half": make_track(user, "Half time", 85.0),
        "half_near": make_track(other_user, "Near half", 86.4),  # double: 172.8, 2.8 away
        "near": make_track(other_user, "Near", 168.0),
        "edge": make_track(user, "Edge", 173.0),
        "double": make_track(user, "Double", 340.0),
    }
    make_track(user, "Too fast", 174.0)  # 4 away
    make_track(user, "Walking", 120.0)
    make_track(user, "Unknown tempo", None)
    make_track(other_user, "Private", 170.0, visibility=Video.Visibility.PRIVATE)
    make_track(user, "Processing", 170.0, status=Video.Status.PROCESSING)
    make_video(user, "A video, not a track")
    return tracks


def titles(response: Any) -> list[str]:
    return [item["title"] for item in response.json()["results"]]


def test_tempo_query_returns_matches_with_half_and_double_time_closest_first(
    api: APIClient, library: dict[str, Video]
) -> None:
    response = api.get("/api/tracks/", {"bpm": 170, "tolerance": 3})
    assert response.status_code == 200
    assert titles(response) == ["Double", "Half time", "Exact", "Near", "Near half", "Edge"]
    item = response.json()["results"][2]
    assert item["bpm"] == 170.0 and item["bpm_confidence"] == 0.9
    expected = {"id", "title", "artist", "album", "status", "progress", "error", "duration"}
    expected |= {"bpm", "bpm_confidence", "hls_url", "artwork_url", "loudness"}
    assert expected <= set(item)


def test_tolerance_narrows_the_match(api: APIClient, library: dict[str, Video]) -> None:
    response = api.get("/api/tracks/", {"bpm": 170, "tolerance": 0.5})
    assert titles(response) == ["Double", "Half time", "Exact"]


def test_list_without_tempo_shows_public_ready_tracks_and_no_videos(
    api: APIClient, library: dict[str, Video]
) -> None:
    listed = titles(api.get("/api/tracks/"))
    assert "Private" not in listed and "Processing" not in listed
    assert "A video, not a track" not in listed and "Unknown tempo" in listed
    videos = [v["title"] for v in api.get("/api/videos/").json()["results"]]
    assert videos == ["A video, not a track"]


def test_search_covers_title_artist_and_album(api: APIClient, user: User) -> None:
    make_track(user, "One", 100.0, artist="Runners Club")
    make_track(user, "Two", 100.0, album="Club Anthems")
    make_track(user, "Three", 100.0)
    assert sorted(titles(api.get("/api/tracks/", {"search": "club"}))) == ["One", "Two"]


def test_next_walks_the_queue_without_repeats_then_204(
    api: APIClient, library: dict[str, Video]
) -> None:
    seen: list[str] = []
    after = None
    for _ in range(20):
        query = {"bpm": 170, "tolerance": 3, **({"after": after} if after else {})}
        response = api.get("/api/tracks/next/", query)
        if response.status_code == 204:
            break
        assert response.status_code == 200
        after = response.json()["id"]
        seen.append(response.json()["title"])
    assert seen == ["Double", "Half time", "Exact", "Near", "Near half", "Edge"]


def test_next_after_a_track_that_no_longer_matches_goes_on_from_its_place(
    api: APIClient, library: dict[str, Video]
) -> None:
    # The runner's pace moved to 171: the last track (173 BPM) no longer matches within 1, but
    # its place, 2 away, is still behind all the tracks 1 away: the queue is over.
    response = api.get(
        "/api/tracks/next/", {"bpm": "171", "tolerance": "1", "after": library["edge"].pk}
    )
    assert response.status_code == 204
    response = api.get(
        "/api/tracks/next/", {"bpm": "171", "tolerance": "2.5", "after": library["half"].pk}
    )
    assert response.json()["title"] == "Exact"  # 1 away too, created before "Half time"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "bpm"),
        ({"bpm": "fast"}, "bpm"),
        ({"bpm": 5}, "bpm"),
        ({"bpm": 170, "tolerance": -1}, "tolerance"),
    ],
)
def test_next_refuses_a_bad_query(api: APIClient, query: dict[str, Any], field: str) -> None:
    response = api.get("/api/tracks/next/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_next_after_an_unknown_track_is_404(api: APIClient, library: dict[str, Video]) -> None:
    response = api.get("/api/tracks/next/", {"bpm": "170", "after": "nosuchtrack"})
    assert response.status_code == 404 and response.json()["detail"]


def test_upload_makes_a_queued_track(
    alice_api: APIClient, django_capture_on_commit_callbacks
) -> None:
    from catalog.music.synth import drum_loop, wav_bytes

    song = SimpleUploadedFile("run.wav", wav_bytes(drum_loop(120, 2)), content_type="audio/wav")
    with django_capture_on_commit_callbacks():
        response = alice_api.post(
            "/api/tracks/", {"file": song, "artist": "Me"}, format="multipart"
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["title"] == "run" and body["artist"] == "Me"
    assert body["bpm"] is None and body["hls_url"] is None
    assert response["Location"] == f"/api/tracks/{body['id']}/"
    assert Video.objects.get(pk=body["id"]).kind == Video.Kind.TRACK


def test_upload_refuses_an_empty_file_or_none(alice_api: APIClient) -> None:
    empty = SimpleUploadedFile("empty.mp3", b"", content_type="audio/mpeg")
    response = alice_api.post("/api/tracks/", {"file": empty}, format="multipart")
    assert response.status_code == 400 and "empty" in response.json()["file"][0]
    response = alice_api.post("/api/tracks/", {"title": "x"}, format="multipart")
    assert response.status_code == 400 and "Choose an audio file" in response.json()["file"][0]
    assert not Video.objects.exists()


def test_owner_edits_and_deletes_others_cannot(
    alice_api: APIClient, bob_api: APIClient, user: User
) -> None:
    video = make_track(user, "Mine", 100.0)
    url = f"/api/tracks/{video.pk}/"
    assert bob_api.patch(url, {"artist": "Bob"}, format="json").status_code == 403
    assert bob_api.delete(url).status_code == 403
    response = alice_api.patch(url, {"artist": "Alice", "album": "A"}, format="json")
    assert response.status_code == 200
    assert (response.json()["artist"], response.json()["album"]) == ("Alice", "A")
    assert alice_api.delete(url).status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert alice_api.get(url).status_code == 404


def test_a_video_is_not_a_track(api: APIClient, user: User) -> None:
    video = make_video(user, "Plain video")
    assert api.get(f"/api/tracks/{video.pk}/").status_code == 404
