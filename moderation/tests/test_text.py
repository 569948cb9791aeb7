"""The normaliser and the blocked-term matcher: disguises undone, whole words only."""

from __future__ import annotations

import pytest

from moderation.data.blocked_terms import DEFAULT_BLOCKED_TERMS
from moderation.text import BlockedTerms, addressed_to_someone, normalise, without_intensifiers

pytestmark = pytest.mark.database_free


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("k1ll y0urself", "kill yourself"),
        ("B!TCH", "bitch"),
        ("@$$hole", "asshole"),
        ("fuuuuuck", "fuck"),
        ("f.u.c.k you", "fuck you"),
        ("k y s", "kys"),
        ("K-Y-S!!!", "kys"),
        ("Ｆｕｃｋ", "fuck"),  # full-width letters
        ("crème brûlée", "creme brulee"),
    ],
)
def test_disguises_are_undone(typed: str, plain: str) -> None:
    assert normalise(typed) == plain


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("2nd place for $5, 100% worth it", "2nd place for 5 100 worth it"),
        ("good kill, see you at 10", "good kill see you at 10"),  # double letters stay
        ("I love this song!!!", "i love this song"),
        ("a b", "a b"),  # two single letters are words, not a spaced-out one
    ],
)
def test_ordinary_text_keeps_its_words_and_numbers(typed: str, plain: str) -> None:
    assert normalise(typed) == plain


DEFAULTS = BlockedTerms(DEFAULT_BLOCKED_TERMS)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("just kys already", "self_harm"),
        ("K Y S", "self_harm"),
        ("go k1ll   y0urself", "self_harm"),
        ("i will find you", "threat"),
        ("what a r3tard", "hate_speech"),
    ],
)
def test_default_terms_catch_their_phrases_in_any_spelling(text: str, category: str) -> None:
    assert [m.category for m in DEFAULTS.find(normalise(text))] == [category]


@pytest.mark.parametrize(
    "text",
    [
        "the skyscraper is tall",  # "kys" inside a word
        "flame retardant foam",  # "retard" inside a word
        "the raccoon ate my lunch",
        "I will kill this boss fight",
        "diehard fans unite",
    ],
)
def test_terms_match_whole_words_only(text: str) -> None:
    assert DEFAULTS.find(normalise(text)) == []


def test_operator_terms_are_normalised_like_the_texts() -> None:
    terms = BlockedTerms({"blocked_term": ["Spoiler Alert", "b@nana"]})
    assert [m.term for m in terms.find(normalise("SP0ILER   alert!"))] == ["spoiler alert"]
    assert [m.term for m in terms.find(normalise("bananas are fine"))] == []
    assert [m.term for m in terms.find(normalise("banana"))] == ["banana"]
    assert not BlockedTerms({"blocked_term": ["  ", "!!"]})  # nothing left to match


@pytest.mark.parametrize(
    ("text", "addressed"),
    [
        ("you are great", True),
        ("ur so bad", True),
        ("@streamer nice", True),
        ("this game is bad", False),
        ("mail me at a@b.c", False),
        ("yours truly", True),
        ("youth team", False),
    ],
)
def test_who_is_addressed(text: str, addressed: bool) -> None:
    assert addressed_to_someone(text, normalise(text)) is addressed


def test_intensifiers_are_removed_but_insults_stay() -> None:
    assert without_intensifiers("you are fucking awesome") == "you are awesome"
    assert without_intensifiers("you fucking idiot") == "you idiot"
