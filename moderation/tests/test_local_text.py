"""The local text path on real lines: the model, the normaliser, the shipped terms and the
default policy together, as the chat hook runs them (no fakes)."""

from __future__ import annotations

import pytest

from moderation import policy
from moderation.backends import get_classifier
from moderation.backends.local import LocalClassifier
from moderation.backends.profanity import ProfanityModel

# Labelled by hand: abuse a fresh install must hide (insults, slurs, threats, incitement to
# self-harm; plain and leetspeak spellings)…
ABUSIVE = [
    "you are a bitch",
    "u r a b1tch",
    "shut up you moron",
    "you fucking idiot",
    "ur such a dumb c*nt",
    "you're a worthless piece of shit",
    "f.u.c.k you",
    "fuuuuck youuu",
    "you stupid wh0re",
    "go kill yourself",
    "k y s",
    "KYS!!!",
    "just hang yourself already",
    "nobody would miss you, end your life",
    "i will find you and i will kill you",
    "i know where you live",
    "what a f4ggot",
    "you retard",
    "go back to your country you n1gger",
    "@streamer you suck, dickhead",
    "you are so ugly and stupid",
    "eat shit and die",
    "you're a loser and a fag",
    "you absolute cunt",
    "drink bleach",
]
# …and ordinary chat that must pass, mild words in friendly use included.
CLEAN = [
    "hello everyone!",
    "gg well played",
    "that was fucking awesome",
    "holy shit that clutch",
    "damn you're good at this",
    "you're fucking amazing, keep it up",
    "what the hell just happened lol",
    "this boss is hard as hell",
    "I love this song",
    "can you play the next track?",
    "how long have you been streaming?",
    "first time here, great stream",
    "lol that jump scare got me",
    "kill the boss with the fire sword",
    "I died three times on that level",
    "the skyscraper level is insane",
    "flame retardant armor is op",
    "2nd place, $5 prize, 100% worth it",
    "you should try the other route",
    "thank you for the raid!",
    "omg omg omg",
    "bruh",
    "you nailed it",
    "this game sucks but I love it",
    "Who's ready for the finale?",
]


@pytest.fixture(scope="module")
def hook_decides():
    classifier = LocalClassifier()

    def decides(text: str) -> policy.Decision:
        return policy.decide(classifier.classify_text(text))

    return decides


@pytest.mark.django_db
def test_the_default_policy_hides_abuse_and_passes_chat(hook_decides) -> None:
    hidden = {line for line in ABUSIVE + CLEAN if hook_decides(line).blocks}
    caught = hidden & set(ABUSIVE)
    wrongly = hidden & set(CLEAN)
    recall = len(caught) / len(ABUSIVE)
    precision = len(caught) / len(hidden)
    missed = sorted(set(ABUSIVE) - caught)
    assert recall >= 0.92, f"recall {recall:.2f}; missed {missed}"
    assert precision >= 0.95, f"precision {precision:.2f}; wrongly hidden {sorted(wrongly)}"


@pytest.mark.django_db
def test_a_hidden_message_says_why(hook_decides) -> None:
    decision = hook_decides("go k1ll y0urself")
    assert decision.blocks
    assert "self-harm" in decision.reason()


@pytest.mark.database_free
def test_the_fast_scores_equal_the_library_s_own() -> None:
    model = ProfanityModel()
    lines = ABUSIVE + CLEAN + ["", "a", "ñandú", "x" * 5000]
    assert model.scores(lines) == pytest.approx(model.reference_scores(lines), abs=1e-9)


@pytest.mark.database_free
def test_the_classifier_and_its_models_load_once_per_process(settings) -> None:
    settings.MODERATION_BACKEND = "local"
    classifier = get_classifier()
    assert get_classifier() is classifier
    classifier.classify_text("hello")
    model = classifier._text_model()  # type: ignore[attr-defined]
    classifier.classify_text("hello again")
    assert classifier._text_model() is model  # type: ignore[attr-defined]


@pytest.mark.database_free
def test_empty_and_blank_texts_have_no_labels() -> None:
    assert LocalClassifier().classify_text("   ") == []
