"""Who sees which video: the catalog, a viewer's list, by id, and their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from catalog import selectors
from catalog.models import Subtitle
from catalog.tests.api_helpers import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def videos(user: User, other_user: User) -> dict[str, str]:
    return {
        "mine_private": make_video(user, "mine private", visibility="private").pk,
        "mine_failed": make_video(user, "mine failed", status="failed").pk,
        "theirs_public": make_video(other_user, "theirs public").pk,
        "theirs_unlisted": make_video(other_user, "theirs unlisted", visibility="unlisted").pk,
        "theirs_private": make_video(other_user, "theirs private", visibility="private").pk,
        "theirs_queued": make_video(other_user, "theirs queued", status="queued").pk,
    }


def ids(queryset) -> set[str]:
    return {video.pk for video in queryset}


def test_public_videos(videos: dict[str, str]) -> None:
    assert ids(selectors.public_videos()) == {videos["theirs_public"]}


def test_video_list(user: User, videos: dict[str, str]) -> None:
    assert ids(selectors.video_list(user=user)) == {
        videos["mine_private"],
        videos["mine_failed"],
        videos["theirs_public"],
    }
    assert ids(selectors.video_list(user=AnonymousUser())) == {videos["theirs_public"]}


def test_visible_videos(user: User, videos: dict[str, str]) -> None:
    hidden = {videos["theirs_private"]}
    assert ids(selectors.visible_videos(user=user)) == set(videos.values()) - hidden
    anonymous = selectors.visible_videos(user=AnonymousUser())
    assert ids(anonymous) == set(videos.values()) - hidden - {videos["mine_private"]}
    assert selectors.video_get_visible(user=user, video_id=videos["theirs_private"]) is None
    assert selectors.video_get_visible(user=user, video_id=videos["theirs_unlisted"])


def test_owned_videos(user: User, videos: dict[str, str]) -> None:
    assert ids(selectors.owned_videos(user=user)) == {videos["mine_private"], videos["mine_failed"]}
    assert selectors.video_get_owned(user=user, video_id=videos["theirs_public"]) is None
    assert selectors.video_get_owned(user=AnonymousUser(), video_id=videos["mine_failed"]) is None
    assert selectors.video_get_owned(user=user, video_id=videos["mine_failed"])


def test_search_is_case_insensitive_and_bounded(user: User) -> None:
    hit = make_video(user, "Night SKY", description="")
    make_video(user, "Day")
    assert ids(selectors.public_videos(search="  sky ")) == {hit.pk}
    assert ids(selectors.public_videos(search="sky" + "x" * 500)) == set()
    assert len(ids(selectors.public_videos(search="   "))) == 2


def test_newest_first_in_a_fixed_number_of_queries(user: User, django_assert_num_queries) -> None:
    made = [make_video(user, f"v{i}") for i in range(5)]
    with django_assert_num_queries(3):  # videos + owners joined, renditions, subtitles
        listed = [
            (video.pk, len(video.renditions.all()), len(video.subtitles.all()))
            for video in selectors.video_list(user=user)
        ]
    assert [pk for pk, _, _ in listed] == [video.pk for video in reversed(made)]
    assert all(count == 2 for _, count, _ in listed)


def test_subtitle_get_ignores_case(user: User) -> None:
    video = make_video(user)
    track = Subtitle.objects.create(video=video, language="pt-BR", label="pt", file="x.vtt")
    assert selectors.subtitle_get(video=video, language="PT-br") == track
    assert selectors.subtitle_get(video=video, language="en") is None


@pytest.mark.parametrize("video_id", ["a\x00b", "", "x" * 65, "../etc", "a b"])
def test_odd_ids_never_reach_the_database(
    user: User, video_id: str, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        assert selectors.video_get_visible(user=user, video_id=video_id) is None
        assert selectors.video_get_owned(user=user, video_id=video_id) is None
