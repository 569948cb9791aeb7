"""``manage.py check``: the settings of private media on S3 and CloudFront, one line each."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from catalog import cloudfront


@register()
def private_media_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report missing or inconsistent CloudFront settings."""
    key_id = settings.AWS_CLOUDFRONT_KEY_PAIR_ID
    key = settings.AWS_CLOUDFRONT_PRIVATE_KEY
    distribution = settings.AWS_CLOUDFRONT_DISTRIBUTION_ID
    on_s3 = settings.STORAGE_BACKEND == "s3"
    domain = getattr(settings, "AWS_S3_CUSTOM_DOMAIN", None)
    found: list[CheckMessage] = []
    if key_id and not key:
        found.append(Error(
            "AWS_CLOUDFRONT_KEY_PAIR_ID is set but AWS_CLOUDFRONT_PRIVATE_KEY(_FILE) is not: "
            "private media cannot be signed.", id="catalog.E101",
        ))  # fmt: skip
    if key and not key_id:
        found.append(Error(
            "AWS_CLOUDFRONT_PRIVATE_KEY is set but AWS_CLOUDFRONT_KEY_PAIR_ID (the public "
            "key's id in the key group) is not.", id="catalog.E102",
        ))  # fmt: skip
    if key:
        try:
            cloudfront.load_private_key(key)
        except (ValueError, TypeError) as exc:
            found.append(Error(
                f"AWS_CLOUDFRONT_PRIVATE_KEY is not an unencrypted PEM RSA private key ({exc}).",
                id="catalog.E103",
            ))  # fmt: skip
    if (key_id or key or distribution) and not on_s3:
        found.append(Warning(
            "AWS_CLOUDFRONT_* settings are ignored: STORAGE_BACKEND is not s3.",
            id="catalog.W101",
        ))  # fmt: skip
    elif key_id and key and not domain:
        found.append(Error(
            "CloudFront signing needs AWS_S3_CUSTOM_DOMAIN, the distribution's domain name.",
            id="catalog.E104",
        ))  # fmt: skip
    elif on_s3 and domain and not distribution:
        found.append(Warning(
            "AWS_S3_CUSTOM_DOMAIN is set without AWS_CLOUDFRONT_DISTRIBUTION_ID: making a video "
            "private or deleting it cannot remove CloudFront's cached copies.",
            id="catalog.W102",
        ))  # fmt: skip
    return found
