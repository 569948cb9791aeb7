"""Fixtures of the AWS moderation backend's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from moderation.backends.rekognition import RekognitionClassifier

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


@pytest.fixture
def aws(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rekognition backend's settings, fake AWS credentials, no metadata lookups."""
    for name, value in FAKE_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for setting, default in DEFAULTS.items():
        setattr(settings, setting, default)


@pytest.fixture(scope="module")
def aws_classifier() -> Iterator[RekognitionClassifier]:
    """One classifier for the module (making its two clients takes ~0.3 s)."""
    with pytest.MonkeyPatch.context() as patch, override_settings(**DEFAULTS):
        for name, value in FAKE_ENV.items():
            patch.setenv(name, value)
        yield RekognitionClassifier()
