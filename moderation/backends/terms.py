"""Blocked terms as labels, the same for every backend: the shipped lists by their label
(self_harm, threat, harassment, hate_speech) and operator-made terms as ``blocked_term``,
matched as whole words on two normalised readings of the text (moderation.text)."""

from __future__ import annotations

from functools import cache, lru_cache

from moderation.backends.base import Label
from moderation.data.blocked_terms import DEFAULT_BLOCKED_TERMS
from moderation.text import BlockedTerms, normalise


def readings(text: str) -> list[str]:
    """The text normalised with single letters joined ("k y s" → "kys") and without ("u r a")."""
    return list(dict.fromkeys([normalise(text), normalise(text, join_letters=False)]))


@cache
def _defaults() -> BlockedTerms:
    return BlockedTerms(DEFAULT_BLOCKED_TERMS)


@lru_cache(maxsize=256)
def _operator_terms(terms: tuple[str, ...]) -> BlockedTerms:
    """Operator-made terms (site-wide and a channel's), compiled once per distinct list."""
    return BlockedTerms({"blocked_term": terms})


def term_labels(plain_readings: list[str], terms: tuple[str, ...] = ()) -> list[Label]:
    """One label per list that has a term in any reading (confidence 1: a match is certain)."""
    found: dict[str, Label] = {}
    lists = [_defaults()] + ([_operator_terms(terms)] if terms else [])
    for matcher in lists:
        for plain in plain_readings:
            for match in matcher.find(plain):
                found.setdefault(match.category, Label(match.category, 1.0, detail=match.term))
    return list(found.values())
