"""Rekognition's and Comprehend's answers mapped onto our labels (responses as AWS documents)."""

from __future__ import annotations

import logging

import pytest

from moderation.backends.aws_labels import moderation_labels, object_labels, toxic_labels
from moderation.backends.base import LABELS, Label

pytestmark = pytest.mark.database_free

# Taxonomy version 7: a third-level label arrives with its second and first levels.
SMOKING_V7 = {
    "ModerationModelVersion": "7.0",
    "ModerationLabels": [
        {"Confidence": 92.5, "Name": "Drugs & Tobacco", "ParentName": "", "TaxonomyLevel": 1},
        {
            "Confidence": 92.5,
            "Name": "Drugs & Tobacco Paraphernalia & Use",
            "ParentName": "Drugs & Tobacco",
            "TaxonomyLevel": 2,
        },
        {
            "Confidence": 92.5,
            "Name": "Smoking",
            "ParentName": "Drugs & Tobacco Paraphernalia & Use",
            "TaxonomyLevel": 3,
        },
    ],
    "ContentTypes": [],
}
# Taxonomy version 6: two levels, no TaxonomyLevel field.
BEACH_V6 = {
    "ModerationModelVersion": "6.1",
    "ModerationLabels": [
        {"Confidence": 88.2, "Name": "Suggestive", "ParentName": ""},
        {"Confidence": 88.2, "Name": "Female Swimwear Or Underwear", "ParentName": "Suggestive"},
        {"Confidence": 61.0, "Name": "Tobacco", "ParentName": ""},
        {"Confidence": 61.0, "Name": "Smoking", "ParentName": "Tobacco"},
        {"Confidence": 55.0, "Name": "Alcohol", "ParentName": ""},
        {"Confidence": 55.0, "Name": "Drinking", "ParentName": "Alcohol"},
    ],
}


def test_v7_smoking_is_drugs_tobacco_with_the_service_label_kept() -> None:
    assert moderation_labels(SMOKING_V7) == [
        Label(name="drugs_tobacco", confidence=0.925, detail="Smoking")
    ]


def test_v6_labels_map_one_label_each() -> None:
    assert moderation_labels(BEACH_V6) == [
        Label(name="suggestive", confidence=0.882, detail="Female Swimwear Or Underwear"),
        Label(name="drugs_tobacco", confidence=0.61, detail="Smoking"),
        Label(name="alcohol", confidence=0.55, detail="Drinking"),
    ]


@pytest.mark.parametrize(
    ("name", "parent", "ours"),
    [
        ("Explicit", "", "explicit_nudity"),
        ("Explicit Nudity", "", "explicit_nudity"),
        ("Exposed Female Nipple", "Explicit Nudity", "explicit_nudity"),
        ("Kissing on the Lips", "Non-Explicit Nudity of Intimate parts and Kissing", "suggestive"),
        ("Weapon Violence", "Graphic Violence", "violence"),
        ("Corpses", "Death and Emaciation", "visually_disturbing"),
        ("Pills", "Products", "drugs_tobacco"),
        ("Middle Finger", "Rude Gestures", "rude_gestures"),
        ("Nazi Party", "Hate Symbols", "hate_symbols"),
        ("Gambling", "", "gambling"),
    ],
)
def test_a_label_without_its_parents_in_the_response_still_maps(
    name: str, parent: str, ours: str
) -> None:
    response = {"ModerationLabels": [{"Confidence": 70.0, "Name": name, "ParentName": parent}]}
    [label] = moderation_labels(response)
    assert (label.name, label.confidence, label.detail) == (ours, 0.7, name)
    assert label.name in LABELS


def test_the_highest_confidence_wins_within_one_of_our_labels() -> None:
    response = {
        "ModerationLabels": [
            {"Confidence": 60.0, "Name": "Weapons", "ParentName": "Violence", "TaxonomyLevel": 2},
            {"Confidence": 97.0, "Name": "Blood & Gore", "ParentName": "Graphic Violence"},
            {"Confidence": 80.0, "Name": "Violence", "ParentName": "", "TaxonomyLevel": 1},
        ]
    }
    assert moderation_labels(response) == [
        Label(name="violence", confidence=0.97, detail="Blood & Gore")
    ]


def test_an_unknown_category_is_left_out_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    response = {"ModerationLabels": [{"Confidence": 90.0, "Name": "Spacecraft", "ParentName": ""}]}
    with caplog.at_level(logging.WARNING):
        assert moderation_labels(response) == []
        assert moderation_labels(response) == []
    assert [r.getMessage() for r in caplog.records].count(
        "Rekognition moderation label 'Spacecraft' has no Onair label"
    ) == 1


def test_nothing_found_is_no_label() -> None:
    assert moderation_labels({"ModerationLabels": [], "ModerationModelVersion": "7.0"}) == []


GUN_ON_A_TABLE = {
    "LabelModelVersion": "3.0",
    "Labels": [
        {"Name": "Furniture", "Confidence": 99.1, "Parents": [], "Aliases": []},
        {
            "Name": "Gun",
            "Confidence": 93.4,
            "Parents": [{"Name": "Weapon"}],
            "Aliases": [{"Name": "Firearm"}],
            "Instances": [],
        },
        {"Name": "Weapon", "Confidence": 93.4, "Parents": [], "Aliases": []},
        {"Name": "Cigarette", "Confidence": 71.0, "Parents": [], "Aliases": []},
    ],
}


def test_object_labels_keep_only_the_operators_choice_by_name_alias_or_parent() -> None:
    labels = object_labels(GUN_ON_A_TABLE, ["weapon", "Firearm", "Hunting  Knife"])
    assert labels == [
        Label(name="object:firearm", confidence=0.934, detail="Gun"),
        Label(name="object:weapon", confidence=0.934, detail="Gun"),
    ]
    assert object_labels(GUN_ON_A_TABLE, ["Cigarette"]) == [
        Label(name="object:cigarette", confidence=0.71, detail="Cigarette")
    ]


# The example of AWS's announcement, one clean segment and one abusive one.
TOXIC_RESPONSE = {
    "ResultList": [
        {
            "Labels": [
                {"Name": "PROFANITY", "Score": 0.0004},
                {"Name": "HATE_SPEECH", "Score": 0.0151},
                {"Name": "INSULT", "Score": 0.0047},
                {"Name": "GRAPHIC", "Score": 0.0001},
                {"Name": "HARASSMENT_OR_ABUSE", "Score": 0.0015},
                {"Name": "SEXUAL", "Score": 0.0049},
                {"Name": "VIOLENCE_OR_THREAT", "Score": 0.0053},
            ],
            "Toxicity": 0.0327,
        },
        {
            "Labels": [
                {"Name": "PROFANITY", "Score": 0.8914},
                {"Name": "HATE_SPEECH", "Score": 0.1005},
                {"Name": "INSULT", "Score": 0.9712},
                {"Name": "GRAPHIC", "Score": 0.0103},
                {"Name": "HARASSMENT_OR_ABUSE", "Score": 0.4488},
                {"Name": "SEXUAL", "Score": 0.0102},
                {"Name": "VIOLENCE_OR_THREAT", "Score": 0.7301},
            ],
            "Toxicity": 0.9621,
        },
    ]
}


def test_toxic_labels_map_and_drop_what_is_below_the_minimum() -> None:
    assert toxic_labels([TOXIC_RESPONSE], 0.4) == [
        Label(name="insult", confidence=0.9712, detail="INSULT"),
        Label(name="profanity", confidence=0.8914, detail="PROFANITY"),
        Label(name="threat", confidence=0.7301, detail="VIOLENCE_OR_THREAT"),
        Label(name="harassment", confidence=0.4488, detail="HARASSMENT_OR_ABUSE"),
    ]


def test_every_comprehend_label_has_one_of_ours() -> None:
    names = {label.name for label in toxic_labels([TOXIC_RESPONSE], 0.0)}
    assert names == {
        "profanity",
        "hate_speech",
        "insult",
        "graphic",
        "harassment",
        "sexual",
        "threat",
    }
    assert names <= LABELS.keys()


def test_toxic_labels_take_the_highest_score_over_several_responses() -> None:
    later = {"ResultList": [{"Labels": [{"Name": "SEXUAL", "Score": 0.93}], "Toxicity": 0.9}]}
    labels = toxic_labels([TOXIC_RESPONSE, later], 0.9)
    assert [label.name for label in labels] == ["insult", "sexual"]
