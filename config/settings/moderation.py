"""Settings of AI moderation (moderation/, docs/moderation.md and docs/moderation-aws.md).

Part of config/settings/base.py, which imports every name from here.
"""

from __future__ import annotations

from config.env import choice, env, non_negative_int, positive_int

MODERATION_BACKEND = choice("MODERATION_BACKEND", "local", ("local", "rekognition", "off"))
# Uploaded videos: frames classified every this many seconds, at most this many (spread
# over the whole length of long videos), besides the poster.
MODERATION_FRAME_INTERVAL_SECONDS = positive_int("MODERATION_FRAME_INTERVAL_SECONDS", 10)
MODERATION_MAX_FRAMES = positive_int("MODERATION_MAX_FRAMES", 12)
MODERATION_BACKENDS = {
    "local": "moderation.backends.local.LocalClassifier",
    "rekognition": "moderation.backends.rekognition.RekognitionClassifier",
    "off": "moderation.backends.base.OffClassifier",
}
# The rekognition backend (Amazon Rekognition for pictures, Comprehend for texts);
# docs/moderation-aws.md. `manage.py check` names what is missing or inconsistent.
MODERATION_AWS_REGION = env.str("MODERATION_AWS_REGION", default="").strip()
# Operator-chosen objects found by DetectLabels, e.g. "Cigarette,Weapon" → object:cigarette.
MODERATION_REKOGNITION_EXTRA_LABELS = [
    name.strip()
    for name in env.str("MODERATION_REKOGNITION_EXTRA_LABELS", default="").split(",")
    if name.strip()
]
# Labels below this confidence (percent) are not reported: keep it at or below the lowest
# threshold of the policy.
MODERATION_AWS_MIN_CONFIDENCE = non_negative_int("MODERATION_AWS_MIN_CONFIDENCE", 50)
# Connect and read timeouts of each AWS call: a chat message waits for the text call, so short.
MODERATION_AWS_TEXT_TIMEOUT_MS = positive_int("MODERATION_AWS_TEXT_TIMEOUT_MS", 1000)
MODERATION_AWS_IMAGE_TIMEOUT_MS = positive_int("MODERATION_AWS_IMAGE_TIMEOUT_MS", 3000)
MODERATION_AWS_MAX_ATTEMPTS = positive_int("MODERATION_AWS_MAX_ATTEMPTS", 2)  # first try included
