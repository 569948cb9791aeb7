"""Classifier backends, picked by MODERATION_BACKEND (a dotted path per name in settings)."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from moderation.backends.base import Classifier


@cache
def _classifier(path: str) -> Classifier:
    classifier: Classifier = import_string(path)()
    return classifier


def get_classifier() -> Classifier:
    """The configured classifier, created once per process (its models load once)."""
    return _classifier(settings.MODERATION_BACKENDS[settings.MODERATION_BACKEND])
