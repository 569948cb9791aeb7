"""Text as an abuser writes it, and as a classifier should read it.

``normalise`` undoes the usual disguises: leetspeak digits and symbols (``k1ll``, ``b!tch``,
``@$$``), letters repeated for emphasis or to dodge a filter (``fuuuuck``), separators put
inside a word (``f.u.c.k``, ``k-y-s``), accents and look-alike letters from other scripts
(NFKD folding). ``BlockedTerms`` matches whole words of a term list on the normalised text.

Written here rather than taken from a library: the profanity-filter packages on PyPI bundle
their own word lists and matching rules (and some a spaCy model); we need the normaliser on
its own, in front of a real classifier, and matching against lists operators edit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Digits and symbols standing for letters. Only inside or beside letters (``2nd``, ``$5``
# and ``100%`` stay as typed), see _swap_leet.
LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "!": "i",
        "|": "i",
        "3": "e",
        "4": "a",
        "@": "a",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
        "8": "b",
        "9": "g",
    }
)
_LEET_CHARS = "".join(re.escape(c) for c in "01!|34@5$7+89")
# A token made of letters and leet characters with at least one letter: "k1ll", "@ss", "$h1t".
_LEETY_WORD = re.compile(rf"(?<![\w{_LEET_CHARS}])(?=[\w{_LEET_CHARS}]*[^\W\d_])[\w{_LEET_CHARS}]+")
# Single letters separated by dots, dashes, underscores, stars or spaces: "k.y.s", "f u c k".
_SPACED_LETTERS = re.compile(r"\b(?:[a-z][\s.\-_*~'`]+){2,}[a-z]\b")
_SEPARATORS = re.compile(r"[\s.\-_*~'`]+")
# A letter repeated three or more times is one letter ("fuuuuck"); two stay ("good", "kill").
_REPEATS = re.compile(r"([a-z])\1{2,}")
_NON_WORD = re.compile(r"[^a-z0-9\s]+")
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Lower case, accents stripped, compatibility forms (full-width, ligatures) unfolded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _swap_word(word: str) -> str:
    core = word.rstrip("!|")  # "kys!!!" is shouting, not "kysiii"
    return core.translate(LEET) + word[len(core) :]


def _swap_leet(text: str) -> str:
    return _LEETY_WORD.sub(lambda m: _swap_word(m.group(0)), text)


def normalise(text: str, *, join_letters: bool = True) -> str:
    """The text with disguises removed: lower case words of plain letters, single-spaced.

    ``join_letters`` joins runs of single letters ("k y s" → "kys"); it also joins "u r a"
    into "ura", so classifiers read both forms.
    """
    text = _swap_leet(_fold(text))
    if join_letters:
        text = _SPACED_LETTERS.sub(lambda m: _SEPARATORS.sub("", m.group(0)), text)
    text = _REPEATS.sub(r"\1", text)
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Match:
    """A blocked term found in a text, with the list (category) it came from."""

    term: str
    category: str


class BlockedTerms:
    """Whole-word matching of term lists on normalised text; build once, match often.

    Terms are normalised the way texts are, so a list entry "kill yourself" also catches
    "k1ll   y0urself" and "KILL-yourself". One compiled alternation per category keeps a
    match to a single regex scan however long the list.
    """

    def __init__(self, lists: Mapping[str, Iterable[str]]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for category, terms in lists.items():
            normalised = sorted({normalise(t) for t in terms} - {""}, key=len, reverse=True)
            if normalised:
                words = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in normalised)
                self._patterns.append(
                    (category, re.compile(rf"(?<![a-z0-9])(?:{words})(?![a-z0-9])"))
                )

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def find(self, normalised_text: str) -> list[Match]:
        """Every category with a term in the (already normalised) text, first term each."""
        found = []
        for category, pattern in self._patterns:
            hit = pattern.search(normalised_text)
            if hit:
                found.append(Match(term=hit.group(0), category=category))
        return found


# Someone addressed: a second-person word or an @mention. Profanity aimed at a person is an
# insult; the same word about a game or a goal is not.
_ADDRESSED = re.compile(r"(?<![a-z])(?:you|u|ur|youre|your|yours|yourself|ya|thou|y'?all)(?![a-z])")
_MENTION = re.compile(r"(?<!\w)@\w")


def addressed_to_someone(text: str, normalised_text: str) -> bool:
    """Whether the text speaks to or about a particular person ("you …", "@name …")."""
    return bool(_MENTION.search(text) or _ADDRESSED.search(normalised_text))


# Swear words people use to intensify praise as much as abuse. Removed before deciding
# whether a message aimed at someone insults them; still counted as profanity.
_INTENSIFIERS = re.compile(
    r"(?<![a-z])(?:fucking|fuckin|fricking|freaking|frickin|effing|damn|damned|goddamn|"
    r"bloody|hell|heck)(?![a-z])"
)


def without_intensifiers(normalised_text: str) -> str:
    """The normalised text minus mild intensifiers ("fucking awesome" → "awesome")."""
    return _SPACES.sub(" ", _INTENSIFIERS.sub(" ", normalised_text)).strip()
