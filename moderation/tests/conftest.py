"""Moderation fixtures: a scripted classifier in place of the configured one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moderation.backends.base import Label
from moderation.tests.fakes import ScriptedClassifier


@pytest.fixture
def scripted(settings) -> Iterator[type[ScriptedClassifier]]:
    """Make every classification answer ``scripted.image`` / ``scripted.text``."""
    settings.MODERATION_BACKENDS = {
        settings.MODERATION_BACKEND: "moderation.tests.fakes.ScriptedClassifier"
    }
    ScriptedClassifier.image, ScriptedClassifier.text, ScriptedClassifier.fail = [], [], False
    ScriptedClassifier.images_seen = []
    yield ScriptedClassifier
    ScriptedClassifier.image, ScriptedClassifier.text, ScriptedClassifier.fail = None, None, False


def labels(**found: float) -> list[Label]:
    return [Label(name, confidence) for name, confidence in found.items()]
