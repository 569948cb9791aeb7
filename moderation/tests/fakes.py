"""A classifier that answers what the test says (the policy and actions, without a model).

Tests set ``ScriptedClassifier.image`` / ``.text`` (labels to return) or ``.fail`` (raise
ClassifierUnavailable); a worker process a test starts reads its script from the environment
variable MODERATION_SCRIPTED_LABELS, e.g. ``{"image": [["explicit_nudity", 0.95]]}``.
"""

from __future__ import annotations

import json
import os
from typing import ClassVar

from moderation.backends.base import Classifier, ClassifierUnavailable, Label


def _from_env(kind: str) -> list[Label]:
    script = json.loads(os.environ.get("MODERATION_SCRIPTED_LABELS") or "{}")
    return [Label(name, float(confidence)) for name, confidence in script.get(kind, [])]


class ScriptedClassifier(Classifier):
    name = "scripted"
    image: ClassVar[list[Label] | None] = None
    text: ClassVar[list[Label] | None] = None
    fail: ClassVar[bool] = False
    images_seen: ClassVar[list[bytes]] = []

    def classify_image(self, data: bytes) -> list[Label]:
        if self.fail:
            raise ClassifierUnavailable("The classifier timed out.")
        type(self).images_seen.append(data)
        return list(self.image) if self.image is not None else _from_env("image")

    def classify_text(self, text: str, *, channel_terms: tuple[str, ...] = ()) -> list[Label]:
        if self.fail:
            raise ClassifierUnavailable("The classifier timed out.")
        return list(self.text) if self.text is not None else _from_env("text")
