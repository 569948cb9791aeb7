"""What a content classifier does: pictures and texts in, labels with confidences out.

Label names form one vocabulary across backends (lower_snake_case, see LABELS) so the policy
(a threshold and an action per label) does not depend on which backend produced them. A
backend that cannot answer (timeout, throttling, service error) raises ClassifierUnavailable:
the caller then leaves the item in review, never silently approved.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

# Pictures. The local model (NudeNet) produces the first two only; Rekognition covers all.
IMAGE_LABELS = {
    "explicit_nudity": "Explicit nudity or sexual activity",
    "suggestive": "Suggestive (partial nudity, revealing clothes)",
    "violence": "Violence, weapons in use",
    "visually_disturbing": "Visually disturbing (gore, corpses)",
    "drugs_tobacco": "Drugs, drug paraphernalia, smoking",
    "alcohol": "Alcohol use",
    "hate_symbols": "Hate symbols",
    "rude_gestures": "Rude gestures",
    "gambling": "Gambling",
}
# Texts (chat messages, titles). Local: the profanity model, whether it is aimed at someone,
# and the blocked-term lists; Comprehend DetectToxicContent maps onto the same names.
TEXT_LABELS = {
    "profanity": "Profanity",
    "insult": "Insult aimed at someone",
    "hate_speech": "Hate speech, slurs",
    "threat": "Threat of violence",
    "self_harm": "Incitement to self-harm",
    "sexual": "Sexual content",
    "harassment": "Harassment or abuse",
    "graphic": "Graphic descriptions",
    "blocked_term": "A term on a blocked list",
}
LABELS = {**IMAGE_LABELS, **TEXT_LABELS}
# Operator-chosen extra labels from Rekognition DetectLabels are named "object:<name>",
# e.g. "object:cigarette" (lower case, spaces as underscores).
OBJECT_PREFIX = "object:"


@dataclass(frozen=True)
class Label:
    """One finding: a label name and the classifier's confidence in it, from 0 to 1."""

    name: str
    confidence: float
    detail: str = ""  # what matched, e.g. the blocked term or the backend's own label name


class ClassifierUnavailable(Exception):
    """The classifier could not answer (timeout, service error); the item stays in review."""


class Classifier(ABC):
    """Classify images and texts. One instance per process: models load once."""

    name = "base"

    def warm_up(self, *, images: bool = True, texts: bool = True) -> None:
        """Load what the first picture or text would otherwise wait for (models, clients)."""
        return None  # nothing to load unless a backend says otherwise

    @abstractmethod
    def classify_image(self, data: bytes) -> list[Label]:
        """Labels found in a picture (JPEG or PNG bytes); an empty list means nothing found."""

    @abstractmethod
    def classify_text(self, text: str, *, channel_terms: tuple[str, ...] = ()) -> list[Label]:
        """Labels found in a text; ``channel_terms`` adds a channel's own blocked terms."""


class OffClassifier(Classifier):
    """MODERATION_BACKEND=off: nothing is classified (reports and bans still work)."""

    name = "off"

    def classify_image(self, data: bytes) -> list[Label]:
        return []

    def classify_text(self, text: str, *, channel_terms: tuple[str, ...] = ()) -> list[Label]:
        return []
