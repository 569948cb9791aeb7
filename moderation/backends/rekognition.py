"""MODERATION_BACKEND=rekognition: Amazon Rekognition for pictures, Comprehend for texts.

Pictures: DetectModerationLabels on every picture, and DetectLabels only when the operator
chose extra objects (MODERATION_REKOGNITION_EXTRA_LABELS). Texts: Comprehend
DetectToxicContent. Both clients are made once per classifier (one per process), with short
timeouts and bounded retries: a slow AWS must not hold a chat message. Whatever goes wrong
on the way (timeout, throttling, refused credentials, a service error) raises
ClassifierUnavailable, so the item stays in review. docs/moderation-aws.md has the costs
and the IAM policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from moderation.backends import aws_labels
from moderation.backends.aws_image import UnreadableImage, fit_for_rekognition
from moderation.backends.base import Classifier, ClassifierUnavailable, Label
from moderation.backends.terms import readings, term_labels

T = TypeVar("T")

# DetectToxicContent: up to 10 segments of at most 1 KB (UTF-8) each in one request.
SEGMENT_BYTES = 1024
SEGMENTS_PER_CALL = 10
# Ten calls at most (chat messages and titles take one): a longer text stays in review
# rather than cost a hundred calls and as many timeouts.
MAX_TEXT_BYTES = 100 * 1024


def split_segments(text: str, limit: int = SEGMENT_BYTES) -> list[str]:
    """Cut a text into pieces of at most ``limit`` UTF-8 bytes, between words where possible.

    Written here because textwrap counts characters, and the service counts bytes.
    """
    pieces: list[str] = []
    current = ""
    for word in text.split():
        while len(word.encode()) > limit:  # one word longer than a segment: cut it
            cut = len(word.encode()[:limit].decode(errors="ignore"))
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if len(candidate.encode()) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


def blocked_term_labels(text: str, terms: tuple[str, ...]) -> list[Label]:
    """The shipped and operator-made blocked terms found in ``text`` (the local backend's
    matcher: whole words on the normalised text, leetspeak folded)."""
    return term_labels(readings(text), terms)


def _client_config(timeout_ms: int) -> Config:
    seconds = timeout_ms / 1000
    return Config(
        connect_timeout=seconds,
        read_timeout=seconds,
        # "standard" retries throttling and transient errors with jittered back-off.
        # total_max_attempts counts the first try; botocore's max_attempts would not.
        retries={"mode": "standard", "total_max_attempts": settings.MODERATION_AWS_MAX_ATTEMPTS},
    )


class RekognitionClassifier(Classifier):
    """Pictures through Amazon Rekognition, texts through Amazon Comprehend."""

    name = "rekognition"

    def __init__(self, *, endpoint_url: str | None = None) -> None:
        # A session of our own: boto3's default session is not safe to share between threads
        # while clients are created; clients themselves are.
        session = boto3.session.Session(region_name=settings.MODERATION_AWS_REGION or None)
        try:
            self.rekognition = session.client(
                "rekognition",
                endpoint_url=endpoint_url,
                config=_client_config(settings.MODERATION_AWS_IMAGE_TIMEOUT_MS),
            )
            self.comprehend = session.client(
                "comprehend",
                endpoint_url=endpoint_url,
                config=_client_config(settings.MODERATION_AWS_TEXT_TIMEOUT_MS),
            )
        except BotoCoreError as exc:  # no region: `manage.py check` says so too
            raise ClassifierUnavailable(f"AWS clients could not be set up: {exc}") from exc
        self.extra_labels = tuple(settings.MODERATION_REKOGNITION_EXTRA_LABELS)
        self.min_confidence = float(settings.MODERATION_AWS_MIN_CONFIDENCE)

    def _call(self, what: str, call: Callable[..., T], **params: Any) -> T:
        try:
            return call(**params)
        except (BotoCoreError, ClientError) as exc:
            raise ClassifierUnavailable(f"{what} failed: {exc}") from exc

    def classify_image(self, data: bytes) -> list[Label]:
        try:
            image = fit_for_rekognition(data)
        except UnreadableImage as exc:
            raise ClassifierUnavailable(str(exc)) from exc
        labels = self.moderation_labels(image)
        if self.extra_labels:  # DetectLabels is billed per picture: only when asked for
            labels += self.object_labels(image)
        return labels

    def moderation_labels(self, image: bytes) -> list[Label]:
        """DetectModerationLabels on a picture Rekognition accepts, mapped to our labels."""
        response = self._call(
            "Rekognition DetectModerationLabels",
            self.rekognition.detect_moderation_labels,
            Image={"Bytes": image},
            MinConfidence=self.min_confidence,
        )
        return aws_labels.moderation_labels(response)

    def object_labels(self, image: bytes) -> list[Label]:
        """DetectLabels on a picture, keeping the operator's chosen objects only."""
        response = self._call(
            "Rekognition DetectLabels",
            self.rekognition.detect_labels,
            Image={"Bytes": image},
            MinConfidence=self.min_confidence,
            Features=["GENERAL_LABELS"],  # not IMAGE_PROPERTIES, which is billed on top
        )
        return aws_labels.object_labels(response, self.extra_labels)

    def classify_text(self, text: str, *, channel_terms: tuple[str, ...] = ()) -> list[Label]:
        blocked = blocked_term_labels(text, channel_terms)
        try:
            toxic = self.toxic_labels(text)
        except ClassifierUnavailable:
            if blocked:  # a blocked term decides on its own; AWS had nothing to add
                return blocked
            raise
        # One label per name, the higher confidence: a site-wide term list may name a label
        # ("threat") that Comprehend reports too.
        best: dict[str, Label] = {}
        for label in blocked + toxic:
            if label.name not in best or label.confidence > best[label.name].confidence:
                best[label.name] = label
        return list(best.values())

    def toxic_labels(self, text: str) -> list[Label]:
        """Comprehend DetectToxicContent on a text up to MAX_TEXT_BYTES, mapped to our labels."""
        size = len(text.encode())
        if size > MAX_TEXT_BYTES:
            raise ClassifierUnavailable(
                f"The text is too long to classify ({size // 1024} KB; at most "
                f"{MAX_TEXT_BYTES // 1024} KB)."
            )
        responses = [
            self._call(
                "Comprehend DetectToxicContent",
                self.comprehend.detect_toxic_content,
                TextSegments=[{"Text": segment} for segment in batch],
                LanguageCode="en",
            )
            for batch in _batches(split_segments(text), SEGMENTS_PER_CALL)
        ]
        return aws_labels.toxic_labels(responses, self.min_confidence / 100)


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
