"""A fresh process for the moderation benchmark's memory figures (VmRSS, in MB, as JSON).

``worker JPEG``: the project's way: Django set up (the settings in the environment), then
``LocalClassifier().warm_up()`` (both models loaded), then one picture and one text
classified (onnxruntime and scikit-learn allocate their working memory on first use).
``bare JPEG``: the floor: only the two models, as their packages load them, then one
NudeNet detection and one ``predict_prob``. Each stage's RSS is printed, the last line JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def rss_mb() -> float:
    """This process's resident set (VmRSS) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def worker(picture: bytes) -> dict[str, float]:
    stages = {"start": rss_mb()}
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    stages["django"] = rss_mb()
    from moderation.backends.local import LocalClassifier

    classifier = LocalClassifier()
    classifier.warm_up()
    stages["models"] = rss_mb()
    classifier.classify_image(picture)
    classifier.classify_text("what a great stream, @host you rock")
    stages["used"] = rss_mb()
    return stages


def bare(picture: bytes) -> dict[str, float]:
    stages = {"start": rss_mb()}
    from nudenet import NudeDetector
    from profanity_check import predict_prob

    detector = NudeDetector()
    predict_prob(["hello"])
    stages["models"] = rss_mb()
    detector.detect(picture)
    predict_prob(["what a great stream, @host you rock"])
    stages["used"] = rss_mb()
    return stages


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    run = {"worker": worker, "bare": bare}[mode]
    print(json.dumps(run(Path(path).read_bytes())), flush=True)
