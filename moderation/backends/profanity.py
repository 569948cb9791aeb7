"""alt-profanity-check's model (TF-IDF + five calibrated linear SVMs), scored fast.

The package's ``predict_prob`` goes through scikit-learn's ``predict_proba``, whose input
validation and per-fold dispatch cost ~2.3 ms a call on this CPU: most of a chat message's
5 ms budget. The model is linear, so the same numbers come from one sparse product with
the five folds' weights stacked and their sigmoid calibrations applied in numpy (~0.1 ms).
``moderation/tests/test_profanity.py`` checks it against ``predict_proba`` on a corpus. A
future model of another shape falls back to ``predict_proba``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ProfanityModel:
    def __init__(self) -> None:
        import numpy as np
        from profanity_check.profanity_check import model, vectorizer

        self._np = np
        self._vectorizer = vectorizer
        self._model = model
        self._fast = _stack(model)

    def scores(self, texts: Sequence[str]) -> list[float]:
        """The probability, from 0 to 1, that each text is profane."""
        features = self._vectorizer.transform(list(texts))
        if self._fast is None:
            return [float(p) for p in self._model.predict_proba(features)[:, 1]]
        weights, intercepts, slopes, offsets = self._fast
        decisions = features @ weights + intercepts  # one column per calibrated fold
        probabilities = 1.0 / (1.0 + self._np.exp(slopes * decisions + offsets))
        return [float(p) for p in probabilities.mean(axis=1)]

    def reference_scores(self, texts: Sequence[str]) -> list[float]:
        """The library's own answer (what ``scores`` must equal)."""
        features = self._vectorizer.transform(list(texts))
        return [float(p) for p in self._model.predict_proba(features)[:, 1]]


def _stack(model: Any) -> tuple[Any, Any, Any, Any] | None:
    """The folds' weights and calibrations as arrays, or None if the model is not that shape."""
    import numpy as np

    folds = getattr(model, "calibrated_classifiers_", None)
    if getattr(model, "method", None) != "sigmoid" or not folds:
        return None
    weights, intercepts, slopes, offsets = [], [], [], []
    for fold in folds:
        estimator, calibrators = fold.estimator, fold.calibrators
        coef = getattr(estimator, "coef_", None)
        if coef is None or coef.shape[0] != 1 or len(calibrators) != 1:
            return None
        weights.append(coef[0])
        intercepts.append(float(estimator.intercept_[0]))
        # scikit-learn's _SigmoidCalibration: p = 1 / (1 + exp(a·d + b))
        slopes.append(float(calibrators[0].a_))
        offsets.append(float(calibrators[0].b_))
    return (
        np.column_stack(weights),
        np.asarray(intercepts),
        np.asarray(slopes),
        np.asarray(offsets),
    )
