"""MODERATION_BACKEND=local: models shipped inside wheels, run on this machine, no network.

Pictures: NudeNet's ONNX detector (320n.onnx, in the nudenet wheel) through onnxruntime. It
finds exposed and covered body parts, so it covers nudity and sexual content only; smoking,
drugs, weapons and violence need the Rekognition backend (docs/moderation.md).

Texts: alt-profanity-check's scikit-learn model (in its wheel) scores the text as typed and
its normalised form (moderation.text), the higher counts. Aimed at someone (second person or
an @mention), the score of the text without mild intensifiers ("fucking awesome", "damn
good") is also an ``insult``: "you're fucking great" praises, "you fucking idiot" insults.
Shipped and operator-made blocked terms are matched as whole words on the normalised form.

Models load on first use, once per process, behind a lock (workers are threads). The image
model runs through ``nudity.NudityDetector`` (NudeNet's detections, computed faster).
"""

from __future__ import annotations

import io
import threading
import warnings
from typing import Any

from PIL import Image, UnidentifiedImageError

from moderation.backends import terms
from moderation.backends.base import Classifier, ClassifierUnavailable, Label
from moderation.backends.profanity import ProfanityModel
from moderation.text import addressed_to_someone, without_intensifiers

# NudeNet's classes that count, by our label. Faces, feet, bellies, armpits and male chests
# are found too but say nothing about the picture's suitability.
NUDENET_LABELS = {
    "FEMALE_GENITALIA_EXPOSED": "explicit_nudity",
    "MALE_GENITALIA_EXPOSED": "explicit_nudity",
    "ANUS_EXPOSED": "explicit_nudity",
    "FEMALE_BREAST_EXPOSED": "explicit_nudity",
    "BUTTOCKS_EXPOSED": "explicit_nudity",
    "FEMALE_GENITALIA_COVERED": "suggestive",
    "FEMALE_BREAST_COVERED": "suggestive",
    "BUTTOCKS_COVERED": "suggestive",
    "ANUS_COVERED": "suggestive",
}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


class ImageUnreadable(ClassifierUnavailable, ValueError):
    """The bytes are not a picture we can read (or one absurdly large): left for review."""


def decode_image(data: bytes) -> Any:
    """Decode JPEG/PNG/WebP bytes into the BGR array NudeNet expects; ImageUnreadable if not."""
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ImageUnreadable(
                        f"The picture is too large ({image.width}×{image.height})."
                    )
                rgb = np.asarray(image.convert("RGB"))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageUnreadable("The picture is too large.") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageUnreadable("The file is not a picture that can be read.") from exc
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)  # 2 ms less than a numpy flip and copy


class LocalClassifier(Classifier):
    name = "local"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detector: Any = None
        self._profanity: ProfanityModel | None = None

    # --- models, loaded once ---

    def _image_model(self) -> Any:
        if self._detector is None:
            with self._lock:
                if self._detector is None:
                    from moderation.backends.nudity import NudityDetector

                    self._detector = NudityDetector()
        return self._detector

    def _text_model(self) -> ProfanityModel:
        if self._profanity is None:
            with self._lock:
                if self._profanity is None:
                    self._profanity = ProfanityModel()
        return self._profanity

    def warm_up(self, *, images: bool = True, texts: bool = True) -> None:
        if images:
            self._image_model()
        if texts:
            self._text_model().scores(["hello"])

    # --- the interface ---

    def classify_image(self, data: bytes) -> list[Label]:
        pixels = decode_image(data)
        best: dict[str, Label] = {}
        for found in self._image_model().detect(pixels):
            name = NUDENET_LABELS.get(found["class"])
            score = float(found["score"])
            if name and (name not in best or score > best[name].confidence):
                best[name] = Label(name, round(score, 4), detail=found["class"])
        return sorted(best.values(), key=lambda label: -label.confidence)

    def classify_text(self, text: str, *, channel_terms: tuple[str, ...] = ()) -> list[Label]:
        text = text.strip()
        if not text:
            return []
        plain_readings = terms.readings(text)
        addressed = any(addressed_to_someone(text, plain) for plain in plain_readings)
        candidates = [text, *plain_readings]
        if addressed:
            candidates += [without_intensifiers(plain) for plain in plain_readings]
        scores = self._text_model().scores(candidates)
        plain_count = 1 + len(plain_readings)
        labels = [Label("profanity", round(max(scores[:plain_count]), 4))]
        if addressed:
            labels.append(Label("insult", round(max(scores[plain_count:]), 4)))
        return labels + terms.term_labels(plain_readings, channel_terms)
