"""The policy: thresholds and actions per label, the most severe one wins, edits apply."""

from __future__ import annotations

import pytest

from moderation import policy
from moderation.models import PolicyRule
from moderation.tests.conftest import labels

pytestmark = pytest.mark.django_db
Action = PolicyRule.Action


def test_nothing_found_is_allowed() -> None:
    decision = policy.decide([])
    assert decision.action == Action.ALLOW and not decision.acts and not decision.blocks


def test_below_every_threshold_is_allowed() -> None:
    assert policy.decide(labels(insult=0.3, explicit_nudity=0.2)).action == Action.ALLOW


def test_the_most_severe_action_wins_and_names_its_labels() -> None:
    decision = policy.decide(labels(suggestive=0.95, explicit_nudity=0.85, profanity=0.99))
    assert decision.action == Action.END_STREAM
    assert [label.name for label in decision.triggered] == ["suggestive", "explicit_nudity"]
    assert decision.blocks
    assert "explicit nudity" in decision.reason()


def test_a_label_can_step_up_through_several_rules() -> None:
    assert policy.decide(labels(explicit_nudity=0.6)).action == Action.REVIEW
    assert policy.decide(labels(explicit_nudity=0.9)).action == Action.END_STREAM


def test_review_is_shown_but_flagged() -> None:
    decision = policy.decide(labels(sexual=0.95))
    assert decision.acts and not decision.blocks


def test_an_operator_s_edit_applies_at_once_in_this_process() -> None:
    assert policy.decide(labels(profanity=0.99)).action == Action.ALLOW
    rule = PolicyRule.objects.create(label="profanity", threshold=0.95, action=Action.HIDE)
    assert policy.decide(labels(profanity=0.99)).action == Action.HIDE
    rule.enabled = False
    rule.save()
    assert policy.decide(labels(profanity=0.99)).action == Action.ALLOW
