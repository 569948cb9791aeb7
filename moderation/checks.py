"""System checks (`manage.py check`): moderation settings that cannot work together."""

from __future__ import annotations

from typing import Any

import boto3
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

# DetectModerationLabels takes MinConfidence from 0 to 100.
MAX_CONFIDENCE = 100


@register()
def check_aws_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The rekognition backend's settings: a region, sane numbers, nothing set in vain."""
    messages: list[CheckMessage] = []
    if settings.MODERATION_AWS_MIN_CONFIDENCE > MAX_CONFIDENCE:
        messages.append(
            Error(
                "MODERATION_AWS_MIN_CONFIDENCE is a percentage from 0 to 100, "
                f"got {settings.MODERATION_AWS_MIN_CONFIDENCE}.",
                id="moderation.E101",
            )
        )
    if settings.MODERATION_BACKEND != "rekognition":
        if settings.MODERATION_REKOGNITION_EXTRA_LABELS:
            messages.append(
                Warning(
                    "MODERATION_REKOGNITION_EXTRA_LABELS is set but MODERATION_BACKEND is "
                    f"{settings.MODERATION_BACKEND!r}, not 'rekognition': the labels are ignored.",
                    id="moderation.W101",
                )
            )
        return messages
    region = settings.MODERATION_AWS_REGION
    if not region:
        messages.append(
            Error(
                "MODERATION_BACKEND=rekognition needs MODERATION_AWS_REGION "
                "(an AWS region with Rekognition and Comprehend, e.g. us-east-1).",
                id="moderation.E102",
            )
        )
        return messages
    # botocore's own endpoint data (no network): catches a typo such as "us-east1".
    session = boto3.session.Session()
    missing = [
        label
        for service, label in (("rekognition", "Amazon Rekognition"), ("comprehend", "Comprehend"))
        if region not in session.get_available_regions(service)
    ]
    if missing:
        messages.append(
            Warning(
                f"MODERATION_AWS_REGION={region!r} is not a region where "
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} offered "
                "(per botocore's endpoint list); check the name.",
                id="moderation.W102",
            )
        )
    return messages
