"""The rekognition backend on the wire: botocore's Stubber (requests checked against the real
service models), moto where it has the API, and real sockets for timeouts."""

from __future__ import annotations

import io
import random
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from django.test import override_settings
from moto import mock_aws
from PIL import Image

from moderation.backends.aws_image import MAX_BYTES
from moderation.backends.base import ClassifierUnavailable, Label
from moderation.backends.rekognition import RekognitionClassifier, split_segments
from moderation.tests.test_aws_labels import SMOKING_V7, TOXIC_RESPONSE

# Fake credentials (never the machine's), no instance-metadata lookups.
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
DEFAULTS: dict[str, Any] = {
    "MODERATION_AWS_REGION": "us-east-1",
    "MODERATION_REKOGNITION_EXTRA_LABELS": [],
    "MODERATION_AWS_MIN_CONFIDENCE": 50,
    "MODERATION_AWS_MAX_ATTEMPTS": 2,
}


@pytest.fixture(autouse=True)
def aws(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for setting, default in DEFAULTS.items():
        setattr(settings, setting, default)


@pytest.fixture(scope="module")
def classifier() -> Iterator[RekognitionClassifier]:
    """One classifier for the module (making its two clients takes ~0.3 s)."""
    with pytest.MonkeyPatch.context() as patch, override_settings(**DEFAULTS):
        for name, value in FAKE_ENV.items():
            patch.setenv(name, value)
        yield RekognitionClassifier()


def png(width: int = 64, height: int = 48) -> bytes:
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


def test_a_picture_is_one_moderation_call_when_no_extra_labels(classifier: Any) -> None:
    image = png()
    with Stubber(classifier.rekognition) as stub:  # an unexpected DetectLabels would fail
        stub.add_response(
            "detect_moderation_labels",
            SMOKING_V7,
            {"Image": {"Bytes": image}, "MinConfidence": 50.0},
        )
        labels = classifier.classify_image(image)
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


def test_an_oversized_picture_is_sent_downscaled(classifier: Any) -> None:
    # Noise does not compress: a 1600×1200 PNG of it is about 5.8 MB, over the 5 MB limit.
    noise = Image.frombytes("RGB", (1600, 1200), random.Random(8).randbytes(1600 * 1200 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=1)
    assert out.tell() > MAX_BYTES
    matcher = JpegUnder(MAX_BYTES)
    with Stubber(classifier.rekognition) as stub:
        stub.add_response(
            "detect_moderation_labels",
            {"ModerationLabels": []},
            {"Image": {"Bytes": matcher}, "MinConfidence": 50.0},
        )
        assert classifier.classify_image(out.getvalue()) == []
    assert 0 < matcher.seen <= MAX_BYTES


def test_an_unreadable_picture_is_unavailable_without_a_call(classifier: Any) -> None:
    with (
        Stubber(classifier.rekognition),
        pytest.raises(ClassifierUnavailable, match="could not be read"),
    ):
        classifier.classify_image(b"GIF89a but not really")


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
    classifier: Any, code: str, status: int
) -> None:
    with Stubber(classifier.rekognition) as stub:
        stub.add_client_error("detect_moderation_labels", code, "refused", status)
        with pytest.raises(ClassifierUnavailable, match=code):
            classifier.classify_image(png())


def test_a_text_is_one_comprehend_call_in_english(classifier: Any) -> None:
    text = "you are a disgrace, I will find you"
    with Stubber(classifier.comprehend) as stub:
        stub.add_response(
            "detect_toxic_content",
            {"ResultList": TOXIC_RESPONSE["ResultList"][1:]},
            {"TextSegments": [{"Text": text}], "LanguageCode": "en"},
        )
        labels = classifier.classify_text(text)
    assert [(label.name, label.confidence) for label in labels] == [
        ("insult", 0.9712),
        ("profanity", 0.8914),
        ("threat", 0.7301),
    ]


def test_a_long_text_goes_in_segments_of_at_most_1_kb(classifier: Any) -> None:
    text = " ".join(["naïve"] * 2500)  # 15 000 bytes: 15 segments, two calls
    segments = split_segments(text)
    assert all(len(segment.encode()) <= 1024 for segment in segments)
    assert " ".join(segments) == text
    clean = {"ResultList": [{"Labels": [], "Toxicity": 0.01}]}
    with Stubber(classifier.comprehend) as stub:
        for batch in (segments[:10], segments[10:]):
            stub.add_response(
                "detect_toxic_content",
                clean,
                {"TextSegments": [{"Text": s} for s in batch], "LanguageCode": "en"},
            )
        assert classifier.classify_text(text) == []
        stub.assert_no_pending_responses()


def test_a_word_longer_than_a_segment_is_cut() -> None:
    assert [len(s) for s in split_segments("x" * 2100)] == [1024, 1024, 52]
    assert [len(s.encode()) for s in split_segments("é" * 600)] == [1024, 176]


def test_an_empty_text_makes_no_call(classifier: Any) -> None:
    with Stubber(classifier.comprehend):
        assert classifier.classify_text("   \n") == []


@pytest.mark.parametrize(
    "code", ["TextSizeLimitExceededException", "InternalServerException", "ThrottlingException"]
)
def test_comprehend_errors_leave_the_text_in_review(classifier: Any, code: str) -> None:
    with Stubber(classifier.comprehend) as stub:
        stub.add_client_error("detect_toxic_content", code, "refused", 400)
        with pytest.raises(ClassifierUnavailable, match=code):
            classifier.classify_text("hello there")


def test_a_blocked_term_decides_even_when_comprehend_fails(classifier: Any) -> None:
    with Stubber(classifier.comprehend) as stub:
        stub.add_client_error("detect_toxic_content", "InternalServerException", "down", 500)
        labels = classifier.classify_text("Buy CHEAPCOINS now", channel_terms=("cheapcoins",))
    assert labels == [Label(name="blocked_term", confidence=1.0, detail="cheapcoins")]


def test_a_blocked_term_matches_whole_words_only(classifier: Any) -> None:
    clean = {"ResultList": [{"Labels": [], "Toxicity": 0.0}]}
    with Stubber(classifier.comprehend) as stub:
        stub.add_response("detect_toxic_content", clean)
        assert classifier.classify_text("scunthorpe united", channel_terms=("cunt",)) == []


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


def test_a_closed_port_is_unavailable_at_once() -> None:
    with socket.socket() as probe:  # bind then close: nothing listens on that port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    classifier = RekognitionClassifier(endpoint_url=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(ClassifierUnavailable, match="Could not connect"):
        classifier.classify_text("hello")
    assert time.monotonic() - started < 5


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A server that accepts connections and never answers; yields its URL and connections."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:  # closed at teardown
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone does not
    server.close()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()


def test_a_silent_service_times_out_after_bounded_retries(
    settings: Any, silent_server: tuple[str, list[socket.socket]]
) -> None:
    settings.MODERATION_AWS_TEXT_TIMEOUT_MS = 200
    url, accepted = silent_server
    classifier = RekognitionClassifier(endpoint_url=url)
    started = time.monotonic()
    with pytest.raises(ClassifierUnavailable, match="Read timeout"):
        classifier.classify_text("hello")
    elapsed = time.monotonic() - started
    assert len(accepted) == 2  # MODERATION_AWS_MAX_ATTEMPTS: the first try and one retry
    assert 0.4 <= elapsed < 3  # two 0.2 s reads and at most one back-off (≤ 1 s)
