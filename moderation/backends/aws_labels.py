"""Map Rekognition's and Comprehend's answers onto our label vocabulary (backends/base.py).

Pure functions over the services' response dictionaries, so that the mapping is tested on
documented responses without a client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from moderation.backends.base import OBJECT_PREFIX, Label

logger = logging.getLogger(__name__)

# Rekognition's top-level moderation categories, in both taxonomies: version 6 ("Explicit
# Nudity", "Suggestive", "Drugs", "Tobacco"…) and version 7 ("Explicit", "Non-Explicit
# Nudity of Intimate parts and Kissing", "Drugs & Tobacco"…). A model version is chosen by
# AWS, not by us, so both must map.
TOP_LEVEL = {
    "Explicit Nudity": "explicit_nudity",
    "Explicit": "explicit_nudity",
    "Suggestive": "suggestive",
    "Non-Explicit Nudity of Intimate parts and Kissing": "suggestive",
    "Swimwear or Underwear": "suggestive",
    "Violence": "violence",
    "Visually Disturbing": "visually_disturbing",
    "Drugs & Tobacco": "drugs_tobacco",
    "Drugs": "drugs_tobacco",
    "Tobacco": "drugs_tobacco",
    "Alcohol": "alcohol",
    "Hate Symbols": "hate_symbols",
    "Rude Gestures": "rude_gestures",
    "Gambling": "gambling",
}
# Version 7's second level and its parent. Every response item names its own parent
# (ParentName), and a response lists the parents of what it found; this table is the
# fallback when a third-level label (e.g. "Smoking") arrives without its second level.
SECOND_LEVEL = {
    "Explicit Sexual Activity": "Explicit",
    "Sex Toys": "Explicit",
    "Non-Explicit Nudity": "Non-Explicit Nudity of Intimate parts and Kissing",
    "Obstructed Intimate Parts": "Non-Explicit Nudity of Intimate parts and Kissing",
    "Kissing on the Lips": "Non-Explicit Nudity of Intimate parts and Kissing",
    "Female Swimwear or Underwear": "Swimwear or Underwear",
    "Male Swimwear or Underwear": "Swimwear or Underwear",
    "Weapons": "Violence",
    "Graphic Violence": "Violence",
    "Death and Emaciation": "Visually Disturbing",
    "Crashes": "Visually Disturbing",
    "Products": "Drugs & Tobacco",
    "Drugs & Tobacco Paraphernalia & Use": "Drugs & Tobacco",
    "Alcohol Use": "Alcohol",
    "Alcoholic Beverages": "Alcohol",
    "Middle Finger": "Rude Gestures",
    "Nazi Party": "Hate Symbols",
    "White Supremacy": "Hate Symbols",
    "Extremist": "Hate Symbols",
}
# Comprehend DetectToxicContent's labels.
TOXIC = {
    "PROFANITY": "profanity",
    "HATE_SPEECH": "hate_speech",
    "INSULT": "insult",
    "GRAPHIC": "graphic",
    "HARASSMENT_OR_ABUSE": "harassment",
    "SEXUAL": "sexual",
    "VIOLENCE_OR_THREAT": "threat",
}
_warned: set[str] = set()


def _our_label(name: str, parents: Mapping[str, str]) -> str | None:
    """Our label for a Rekognition moderation label, walking up its parents."""
    seen: set[str] = set()
    while name and name not in seen:
        if name in TOP_LEVEL:
            return TOP_LEVEL[name]
        seen.add(name)
        name = parents.get(name) or SECOND_LEVEL.get(name, "")
    return None


def _strongest(findings: Iterable[tuple[str, float, int, str]]) -> list[Label]:
    """One label per name: the highest confidence, the most specific service label on a tie."""
    best: dict[str, tuple[float, int, str]] = {}
    for name, confidence, depth, detail in findings:
        if name not in best or (confidence, depth) > best[name][:2]:
            best[name] = (confidence, depth, detail)
    return [
        Label(name=name, confidence=round(confidence, 4), detail=detail)
        for name, (confidence, _, detail) in sorted(
            best.items(), key=lambda item: (-item[1][0], item[0])
        )
    ]


def moderation_labels(response: Mapping[str, Any]) -> list[Label]:
    """Our labels from a DetectModerationLabels response (confidence 0–100 → 0–1)."""
    items = response.get("ModerationLabels", [])
    parents = {item["Name"]: item.get("ParentName", "") for item in items}
    findings = []
    for item in items:
        ours = _our_label(item["Name"], parents)
        if ours is None:
            if item["Name"] not in _warned:  # a new taxonomy: say so once, not per picture
                _warned.add(item["Name"])
                logger.warning("Rekognition moderation label %r has no Onair label", item["Name"])
            continue
        depth = item.get("TaxonomyLevel") or (2 if item.get("ParentName") else 1)
        findings.append((ours, item["Confidence"] / 100, depth, item["Name"]))
    return _strongest(findings)


def object_name(wanted: str) -> str:
    """``Cigarette`` → ``object:cigarette``; ``Hunting Knife`` → ``object:hunting_knife``."""
    return OBJECT_PREFIX + "_".join(wanted.lower().split())


def object_labels(response: Mapping[str, Any], wanted: Sequence[str]) -> list[Label]:
    """The operator's chosen objects in a DetectLabels response.

    A wanted name matches a label's name, one of its aliases or one of its parents (asking
    for "Weapon" catches a "Gun", whose parent is "Weapon"), ignoring case.
    """
    by_key = {" ".join(name.lower().split()): name for name in wanted}
    findings = []
    for item in response.get("Labels", []):
        names = [item["Name"]]
        names += [alias["Name"] for alias in item.get("Aliases", [])]
        names += [parent["Name"] for parent in item.get("Parents", [])]
        for key in {" ".join(name.lower().split()) for name in names} & by_key.keys():
            depth = len(item.get("Parents", []))
            findings.append(
                (object_name(by_key[key]), item["Confidence"] / 100, depth, item["Name"])
            )
    return _strongest(findings)


def toxic_labels(responses: Iterable[Mapping[str, Any]], min_confidence: float) -> list[Label]:
    """Our labels from DetectToxicContent responses (scores already 0–1), per label the
    highest over all segments, those below ``min_confidence`` left out."""
    findings = []
    for response in responses:
        for result in response.get("ResultList", []):
            for item in result.get("Labels", []):
                ours = TOXIC.get(item["Name"])
                if ours is not None and item["Score"] >= min_confidence:
                    findings.append((ours, item["Score"], 0, item["Name"]))
    return _strongest(findings)
