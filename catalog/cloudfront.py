"""CloudFront in front of the bucket: signed URLs for private media, invalidations.

Signing is botocore's ``CloudFrontSigner`` (the policy JSON, the CloudFront flavour of
base64) with an RSA-SHA1 signature from ``cryptography``, which is what CloudFront's
trusted key groups verify.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

import boto3
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings


def configured() -> bool:
    """Tell whether private media is signed by CloudFront (a key pair id and its key)."""
    return bool(
        getattr(settings, "AWS_CLOUDFRONT_KEY_PAIR_ID", "")
        and getattr(settings, "AWS_CLOUDFRONT_PRIVATE_KEY", "")
    )


@functools.lru_cache(maxsize=4)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse a PEM RSA private key (ValueError for anything else)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("CloudFront signs with RSA keys only")
    return key


def signer() -> CloudFrontSigner:
    """Return a signer for the configured key pair."""
    key = load_private_key(settings.AWS_CLOUDFRONT_PRIVATE_KEY)

    def rsa_sign(message: bytes) -> bytes:
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (CloudFront's)

    return CloudFrontSigner(settings.AWS_CLOUDFRONT_KEY_PAIR_ID, rsa_sign)


def sign_url(url: str, *, expires: datetime) -> str:
    """Sign ``url`` (which may end in ``*`` to cover a folder) until ``expires``.

    A custom policy, not a canned one: only a custom policy's resource may hold a wildcard,
    which lets one signature cover every segment of a video.
    """
    cf = signer()
    policy = cf.build_policy(url, expires)
    return str(cf.generate_presigned_url(url, policy=policy))


def client() -> Any:
    """Return a CloudFront client (credentials from boto3's usual chain)."""
    return boto3.client("cloudfront", region_name="us-east-1")  # a global service


def invalidate(paths: list[str]) -> str | None:
    """Ask CloudFront to drop its copies of ``paths``; return the invalidation's id.

    Does nothing (None) without ``AWS_CLOUDFRONT_DISTRIBUTION_ID`` or without paths.
    """
    distribution = getattr(settings, "AWS_CLOUDFRONT_DISTRIBUTION_ID", "")
    if not distribution or not paths:
        return None
    answer = client().create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            # Retries of one task reuse nothing: a new reference is a new invalidation.
            "CallerReference": uuid.uuid4().hex,
        },
    )
    return str(answer["Invalidation"]["Id"])
