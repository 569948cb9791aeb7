"""The rekognition backend on the wire: botocore's Stubber (requests checked against the real
service models), moto where it has the API, and real sockets for timeouts."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from PIL import Image

from moderation.backends import _classifier, get_classifier, rekognition
from moderation.backends.aws_image import MAX_BYTES
from moderation.backends.base import ClassifierUnavailable, Label
from moderation.backends.rekognition import RekognitionClassifier, split_segments
from moderation.tests.aws.test_aws_labels import SMOKING_V7, TOXIC_RESPONSE

pytestmark = [pytest.mark.database_free, pytest.mark.usefixtures("aws")]


def png(width: int = 128, height: int = 96) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


class JpegUnder:
    """Equal to JPEG bytes of at most ``limit`` bytes (a Stubber expected-parameter matcher)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen = 0

    def __eq__(self, other: object) -> bool:
        self.seen = len(other) if isinstance(other, bytes) else -1
        return isinstance(other, bytes) and other[:3] == b"\xff\xd8\xff" and self.seen <= self.limit

    __hash__ = None  # type: ignore[assignment]


def test_a_picture_is_one_moderation_call_when_no_extra_labels(aws_classifier: Any) -> None:
    image = png()
    with Stubber(aws_classifier.rekognition) as stub:  # an unexpected DetectLabels would fail
        stub.add_response(
            "detect_moderation_labels",
            SMOKING_V7,
            {"Image": {"Bytes": image}, "MinConfidence": 50.0},
        )
        labels = aws_classifier.classify_image(image)
        stub.assert_no_pending_responses()
    assert labels == [Label(name="drugs_tobacco", confidence=0.925, detail="Smoking")]


def test_extra_labels_add_a_detect_labels_call(settings: Any) -> None:
    settings.MODERATION_REKOGNITION_EXTRA_LABELS = ["Cigarette", "Weapon"]
    settings.MODERATION_AWS_MIN_CONFIDENCE = 40
    classifier = RekognitionClassifier()
    image = png()
    detected = {
        "Labels": [
            {"Name": "Person", "Confidence": 99.0, "Parents": [], "Aliases": []},
            {"Name": "Cigarette", "Confidence": 88.0, "Parents": [], "Aliases": []},
        ],
        "LabelModelVersion": "3.0",
    }
    with Stubber(classifier.rekognition) as stub:
        stub.add_response(
            "detect_moderation_labels",
            {"ModerationLabels": []},
            {"Image": ANY, "MinConfidence": 40.0},
        )
        stub.add_response(
            "detect_labels",
            detected,
            {"Image": {"Bytes": image}, "MinConfidence": 40.0, "Features": ["GENERAL_LABELS"]},
        )
        labels = classifier.classify_image(image)
        stub.assert_no_pending_responses()
    assert labels == [Label(name="object:cigarette", confidence=0.88, detail="Cigarette")]


def test_an_oversized_picture_is_sent_downscaled(aws_classifier: Any) -> None:
    # Noise does not compress: a 1600×1200 PNG of it is about 5.8 MB, over the 5 MB limit.
    noise = Image.frombytes("RGB", (1600, 1200), random.Random(8).randbytes(1600 * 1200 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=1)
    assert out.tell() > MAX_BYTES
    matcher = JpegUnder(MAX_BYTES)
    with Stubber(aws_classifier.rekognition) as stub:
        stub.add_response(
            "detect_moderation_labels",
            {"ModerationLabels": []},
            {"Image": {"Bytes": matcher}, "MinConfidence": 50.0},
        )
        assert aws_classifier.classify_image(out.getvalue()) == []
    assert 0 < matcher.seen <= MAX_BYTES


def test_an_unreadable_picture_is_unavailable_without_a_call(aws_classifier: Any) -> None:
    with (
        Stubber(aws_classifier.rekognition),
        pytest.raises(ClassifierUnavailable, match="could not be read"),
    ):
        aws_classifier.classify_image(b"GIF89a but not really")


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("ProvisionedThroughputExceededException", 400),
        ("InternalServerError", 500),
        ("AccessDeniedException", 403),
        ("InvalidImageFormatException", 400),
    ],
)
def test_rekognition_errors_leave_the_picture_in_review(
    aws_classifier: Any, code: str, status: int
) -> None:
    with Stubber(aws_classifier.rekognition) as stub:
        stub.add_client_error("detect_moderation_labels", code, "refused", status)
        with pytest.raises(ClassifierUnavailable, match=code):
            aws_classifier.classify_image(png())


def test_a_text_is_one_comprehend_call_in_english(aws_classifier: Any) -> None:
    text = "you are a disgrace and a fraud"
    with Stubber(aws_classifier.comprehend) as stub:
        stub.add_response(
            "detect_toxic_content",
            {"ResultList": TOXIC_RESPONSE["ResultList"][1:]},
            {"TextSegments": [{"Text": text}], "LanguageCode": "en"},
        )
        labels = aws_classifier.classify_text(text)
    assert [(label.name, label.confidence) for label in labels] == [
        ("insult", 0.9712),
        ("profanity", 0.8914),
        ("threat", 0.7301),
    ]


def test_a_long_text_goes_in_segments_of_at_most_1_kb(aws_classifier: Any) -> None:
    text = " ".join(["naïve"] * 2500)  # 15 000 bytes: 15 segments, two calls
    segments = split_segments(text)
    assert all(len(segment.encode()) <= 1024 for segment in segments)
    assert " ".join(segments) == text
    clean = {"ResultList": [{"Labels": [], "Toxicity": 0.01}]}
    with Stubber(aws_classifier.comprehend) as stub:
        for batch in (segments[:10], segments[10:]):
            stub.add_response(
                "detect_toxic_content",
                clean,
                {"TextSegments": [{"Text": s} for s in batch], "LanguageCode": "en"},
            )
        assert aws_classifier.classify_text(text) == []
        stub.assert_no_pending_responses()


def test_a_text_over_100_kb_stays_in_review_without_a_call(aws_classifier: Any) -> None:
    with (
        Stubber(aws_classifier.comprehend),
        pytest.raises(ClassifierUnavailable, match=r"too long to classify \(100 KB; at most 100"),
    ):
        aws_classifier.classify_text("word " * 20_600)


def test_a_word_longer_than_a_segment_is_cut() -> None:
    assert [len(s) for s in split_segments("x" * 2100)] == [1024, 1024, 52]
    assert [len(s.encode()) for s in split_segments("é" * 600)] == [1024, 176]


def test_an_empty_text_makes_no_call(aws_classifier: Any) -> None:
    with Stubber(aws_classifier.comprehend):
        assert aws_classifier.classify_text("   \n") == []


@pytest.mark.parametrize(
    "code", ["TextSizeLimitExceededException", "InternalServerException", "ThrottlingException"]
)
def test_comprehend_errors_leave_the_text_in_review(aws_classifier: Any, code: str) -> None:
    with Stubber(aws_classifier.comprehend) as stub:
        stub.add_client_error("detect_toxic_content", code, "refused", 400)
        with pytest.raises(ClassifierUnavailable, match=code):
            aws_classifier.classify_text("hello there")


def test_a_blocked_term_decides_even_when_comprehend_fails(aws_classifier: Any) -> None:
    with Stubber(aws_classifier.comprehend) as stub:
        stub.add_client_error("detect_toxic_content", "InternalServerException", "down", 500)
        labels = aws_classifier.classify_text("Buy CHEAPCOINS now", channel_terms=("cheapcoins",))
    assert labels == [Label(name="blocked_term", confidence=1.0, detail="cheapcoins")]


def test_a_label_found_twice_is_reported_once_at_its_highest(
    aws_classifier: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A site-wide list files its terms under labels Comprehend also reports ("threat").
    term = Label(name="threat", confidence=1.0, detail="i will kill you")
    monkeypatch.setattr(rekognition, "blocked_term_labels", lambda text, terms: [term])
    response = {"Labels": [{"Name": "VIOLENCE_OR_THREAT", "Score": 0.73}], "Toxicity": 0.7}
    with Stubber(aws_classifier.comprehend) as stub:
        stub.add_response("detect_toxic_content", {"ResultList": [response]})
        assert aws_classifier.classify_text("i will kill you") == [term]


def test_shipped_terms_apply_in_any_spelling_when_comprehend_is_down(aws_classifier: Any) -> None:
    with Stubber(aws_classifier.comprehend) as stub:
        stub.add_client_error("detect_toxic_content", "InternalServerException", "down", 500)
        labels = aws_classifier.classify_text("just k y s")
    assert labels == [Label(name="self_harm", confidence=1.0, detail="kys")]


def test_a_blocked_term_matches_whole_words_only(aws_classifier: Any) -> None:
    clean = {"ResultList": [{"Labels": [], "Toxicity": 0.0}]}
    with Stubber(aws_classifier.comprehend) as stub:
        stub.add_response("detect_toxic_content", clean)
        assert aws_classifier.classify_text("scunthorpe united", channel_terms=("cunt",)) == []


def test_detect_labels_against_moto(settings: Any) -> None:
    # moto's Rekognition answers DetectLabels (always a "Mobile Phone"), not DetectModerationLabels.
    settings.MODERATION_REKOGNITION_EXTRA_LABELS = ["cell phone", "Cigarette"]
    with mock_aws():
        labels = RekognitionClassifier().object_labels(png())
    assert [(label.name, label.detail) for label in labels] == [
        ("object:cell_phone", "Mobile Phone")
    ]


def test_no_region_is_unavailable(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MODERATION_AWS_REGION = ""
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(ClassifierUnavailable, match="region"):
        RekognitionClassifier()


def test_the_setting_selects_this_backend(settings: Any) -> None:
    settings.MODERATION_BACKEND = "rekognition"
    _classifier.cache_clear()
    try:
        assert isinstance(get_classifier(), RekognitionClassifier)
    finally:
        _classifier.cache_clear()
