"""Flags and their consequences: videos held and released, reports counted once, bans, the
audit log. Through the services and the owner's pages."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from moderation import flags, policy, selectors
from moderation.models import Decision, Flag, PolicyRule
from moderation.tests.conftest import labels

pytestmark = pytest.mark.django_db
Action = PolicyRule.Action


def model_flag(video: Video, **found: float) -> Flag:
    found_labels = labels(**found)
    return flags.flag_from_model(
        kind="video", item_id=video.pk, labels=found_labels, decision=policy.decide(found_labels)
    )


def test_a_hidden_video_is_private_with_the_reason_for_its_owner_only(
    user: User, alice: Client, bob: Client
) -> None:
    video = make_video(user, visibility=Video.Visibility.UNLISTED)
    flag = model_flag(video, hate_symbols=0.93)
    video.refresh_from_db()
    assert video.visibility == Video.Visibility.PRIVATE
    assert "hate symbols" in video.held_reason
    assert (flag.action, flag.owner_id, flag.top_label) == (Action.HIDE, user.pk, "hate_symbols")
    page = alice.get(video.get_absolute_url())
    assert page.status_code == 200 and b"Held for review" in page.content
    assert b"hate symbols" in page.content
    assert bob.get(video.get_absolute_url()).status_code == 404


def test_the_owner_cannot_publish_a_held_video_meanwhile(user: User, alice_api: APIClient) -> None:
    video = make_video(user)
    model_flag(video, hate_symbols=0.93)
    answer = alice_api.patch(f"/api/videos/{video.pk}/", {"visibility": "public"}, format="json")
    assert answer.status_code == 409
    assert "held for review" in answer.json()["detail"]
    # Other details stay editable.
    assert (
        alice_api.patch(f"/api/videos/{video.pk}/", {"title": "New"}, format="json").status_code
        == 200
    )
    video.refresh_from_db()
    assert (video.visibility, video.title) == (Video.Visibility.PRIVATE, "New")


def test_dismissing_gives_the_video_back_its_visibility(user: User, other_user: User) -> None:
    video = make_video(user, visibility=Video.Visibility.UNLISTED)
    flag = model_flag(video, hate_symbols=0.93)
    flags.flag_dismiss(flag=flag, actor=other_user, note="A flag of a film prop")
    video.refresh_from_db()
    flag.refresh_from_db()
    assert (video.visibility, video.held_reason) == (Video.Visibility.UNLISTED, "")
    assert (flag.status, flag.decided_by) == (Flag.Status.DISMISSED, other_user)
    assert list(flag.decisions.order_by("created").values_list("action", "actor")) == [
        ("auto_hide", None),
        ("dismiss", other_user.pk),
    ]


def test_upholding_keeps_it_hidden_and_a_review_flag_hides_it_then(
    user: User, other_user: User
) -> None:
    video = make_video(user)
    flag = model_flag(video, sexual=0.95)  # review: shown and flagged
    video.refresh_from_db()
    assert (
        video.visibility == Video.Visibility.PUBLIC
        and selectors.open_hiding_flag(kind="video", item_id=video.pk) is None
    )
    flags.flag_uphold(flag=flag, actor=other_user)
    video.refresh_from_db()
    assert video.visibility == Video.Visibility.PRIVATE and video.held_reason


def test_a_ban_decision_bans_the_owner_site_wide(
    user: User, other_user: User, alice_api: APIClient
) -> None:
    PolicyRule.objects.create(label="hate_symbols", threshold=0.99, action=Action.BAN)
    policy.rules.forget()
    video = make_video(user)
    flag = model_flag(video, hate_symbols=0.995)
    assert selectors.site_banned(user_id=user.pk)
    assert Decision.objects.filter(flag=flag, action="ban", ban__isnull=False).exists()
    # Refused everywhere that writes, with the reason.
    answer = alice_api.patch(f"/api/videos/{video.pk}/", {"title": "x"}, format="json")
    assert answer.status_code == 403
    assert "banned from this site permanently" in answer.json()["detail"]


def test_an_unavailable_classifier_leaves_the_item_in_review(user: User) -> None:
    video = make_video(user)
    flag = flags.flag_unclassified(kind="video", item_id=video.pk, problem="Rekognition timed out")
    video.refresh_from_db()
    assert (flag.status, flag.top_label, flag.action) == (
        Flag.Status.OPEN,
        "unclassified",
        Action.REVIEW,
    )
    assert video.visibility == Video.Visibility.PUBLIC  # shown, but not approved: in the queue
    assert flag.decisions.get().note == "Rekognition timed out"


def test_reports_count_once_per_viewer_and_raise_the_priority(user: User, other_user: User) -> None:
    video = make_video(user)
    carol = User.objects.create_user("carol", password="pw-carol-123")
    first, new = flags.report(reporter=other_user, kind="video", item_id=video.pk, reason="spam")
    again, new_again = flags.report(
        reporter=other_user, kind="video", item_id=video.pk, reason="hate"
    )
    third, new_third = flags.report(reporter=carol, kind="video", item_id=video.pk, reason="hate")
    assert (new, new_again, new_third) == (True, False, True)
    assert first.pk == again.pk == third.pk
    third.refresh_from_db()
    assert (third.reports, third.source, third.owner_id) == (2, Flag.Source.REPORT, user.pk)
    assert third.priority == 2 * flags.REPORT_PRIORITY
    assert Flag.objects.count() == 1


def test_nobody_reports_their_own_content_or_what_does_not_exist(user: User) -> None:
    video = make_video(user)
    with pytest.raises(flags.ModerationError, match="your own"):
        flags.report(reporter=user, kind="video", item_id=video.pk, reason="spam")
    with pytest.raises(flags.targets.UnknownItem):
        flags.report(reporter=user, kind="video", item_id="nope", reason="spam")
    assert not Flag.objects.exists()
