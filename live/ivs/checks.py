"""``manage.py check`` of the Amazon IVS settings: one clear line per missing or inconsistent one.

They run when IVS is in use (LIVE_BACKEND=ivs, or IVS_REGION set so that operators may pick
IVS per channel); the embedded defaults need none of them.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core import checks

_RECORDING_ARN = re.compile(
    r"arn:aws[a-z-]*:ivs:([a-z0-9-]+):\d{12}:recording-configuration/[A-Za-z0-9]+"
)
SESSION_MINUTES_MAX = 180


def _error(n: int, message: str) -> checks.Error:
    return checks.Error(message, id=f"live.E1{n:02d}")


def _recording(arn: str, bucket: str, region: str) -> list[checks.Error]:
    if not arn and not bucket:
        return [
            _error(
                2,
                (
                    "Amazon IVS needs IVS_RECORDING_CONFIGURATION_ARN or IVS_RECORDING_BUCKET: "
                    "without a recording there is no replay."
                ),
            )
        ]
    if arn and bucket:
        return [_error(3, "Set IVS_RECORDING_CONFIGURATION_ARN or IVS_RECORDING_BUCKET, not both.")]
    if arn:
        match = _RECORDING_ARN.fullmatch(arn)
        if match is None:
            return [
                _error(
                    4,
                    (
                        "IVS_RECORDING_CONFIGURATION_ARN is not an IVS recording configuration ARN "
                        "(arn:aws:ivs:REGION:ACCOUNT:recording-configuration/ID)."
                    ),
                )
            ]
        if region and match.group(1) != region:
            return [
                _error(
                    5,
                    (
                        f"IVS_RECORDING_CONFIGURATION_ARN is in {match.group(1)} but IVS_REGION is "
                        f"{region}: a channel records only in its own region."
                    ),
                )
            ]
    return []


def _storage(bucket: str) -> list[checks.Error]:
    if settings.STORAGE_BACKEND != "s3":
        return [
            _error(
                6,
                (
                    "Amazon IVS records to S3: set STORAGE_BACKEND=s3 (the media bucket) so that "
                    "replays play from the recording."
                ),
            )
        ]
    media_bucket = getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")
    if bucket and bucket != media_bucket:
        return [
            _error(
                7,
                (
                    f"IVS_RECORDING_BUCKET ({bucket}) must be the media bucket "
                    f"AWS_STORAGE_BUCKET_NAME ({media_bucket}): replays play where IVS records."
                ),
            )
        ]
    if (getattr(settings, "AWS_LOCATION", "") or "").strip("/"):
        return [
            _error(
                8,
                (
                    "Amazon IVS records at the media bucket's root (ivs/v1/…): leave AWS_LOCATION "
                    "empty."
                ),
            )
        ]
    return []


def ivs_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report what IVS needs and lacks."""
    region = settings.IVS_REGION
    if settings.LIVE_BACKEND != "ivs" and not region:
        return []
    errors: list[checks.CheckMessage] = []
    if not region:
        errors.append(
            _error(
                1,
                (
                    "LIVE_BACKEND=ivs needs IVS_REGION (the AWS region of your IVS channels, e.g. "
                    "us-west-2)."
                ),
            )
        )
    bucket = settings.IVS_RECORDING_BUCKET
    errors += _recording(settings.IVS_RECORDING_CONFIGURATION_ARN, bucket, region)
    errors += _storage(bucket)
    if settings.IVS_CHAT_SESSION_MINUTES > SESSION_MINUTES_MAX:
        errors.append(
            _error(
                9, f"IVS_CHAT_SESSION_MINUTES is at most {SESSION_MINUTES_MAX} (IVS Chat's limit)."
            )
        )
    return errors


def register() -> None:
    checks.register(ivs_settings, "live")
