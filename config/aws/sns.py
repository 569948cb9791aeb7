"""Verify Amazon SNS messages delivered over HTTPS, as AWS documents it.

https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html: build the
string to sign from the message's own fields, fetch the X.509 certificate named by
``SigningCertURL`` (only from an SNS host of AWS, over HTTPS) and check the RSA signature
(SignatureVersion 1: SHA1, 2: SHA256). Written by hand on ``cryptography`` because the
maintained verifiers on PyPI either fetch certificates from any host or lack version 2.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.cache import cache

# sns.<region>.amazonaws.com, and the China regions' amazonaws.com.cn.
SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
CERT_MAX_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 10
CERT_CACHE_SECONDS = 24 * 3600
KINDS = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
}  # fmt: skip
SIGNED_FIELDS["UnsubscribeConfirmation"] = SIGNED_FIELDS["SubscriptionConfirmation"]
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}

Fetch = Callable[[str], bytes]


class Refused(Exception):
    """The message is not one to act on; ``str(error)`` says why, for the sender's log."""

    status = 403


class Malformed(Refused):
    status = 400


class Unavailable(Refused):
    """The message could not be checked now (the certificate was out of reach)."""

    status = 503


def allowed_sns_url(url: str) -> bool:
    """Tell whether ``url`` is an HTTPS URL on an SNS host of AWS (no user, no odd port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and parts.username is None
        and port in (None, 443)
        and bool(SNS_HOST.match(parts.hostname or ""))
    )


def fetch(url: str) -> bytes:
    """GET an SNS URL (certificate or subscription confirmation); refuse any other host."""
    if not allowed_sns_url(url):
        raise Refused(f"{url!r} is not an Amazon SNS address.")
    # No redirects followed to other hosts: urllib would, so refuse any redirect at all.
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(url, timeout=FETCH_TIMEOUT_SECONDS) as response:
        body: bytes = response.read(CERT_MAX_BYTES + 1)
    if len(body) > CERT_MAX_BYTES:
        raise Refused(f"{url} answered with more than {CERT_MAX_BYTES} bytes.")
    return body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def parse(body: bytes) -> dict[str, str]:
    """Read the JSON envelope SNS posts; Malformed unless it is an object of strings."""
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Malformed("The body is not JSON.") from None
    if not isinstance(message, dict):
        raise Malformed("The body is not an SNS message.")
    if message.get("Type") not in KINDS:
        raise Malformed(f"Unknown SNS message type {message.get('Type')!r}.")
    # Every field read or signed is text; others (MessageAttributes, an object) are ignored.
    fields = {*SIGNED_FIELDS[message["Type"]], "Signature", "SignatureVersion", "SigningCertURL"}
    if not all(isinstance(message[f], str) for f in fields if f in message):
        raise Malformed("The body is not an SNS message.")
    return {k: v for k, v in message.items() if k in fields or k == "UnsubscribeURL"}


def string_to_sign(message: dict[str, str]) -> bytes:
    """Join the signed fields as "Key\\nValue\\n" in SNS's order (absent Subject skipped)."""
    fields = SIGNED_FIELDS[message["Type"]]
    missing = [f for f in fields if f not in message and f != "Subject"]
    if missing:
        raise Malformed(f"The message lacks {', '.join(missing)}.")
    return "".join(f"{f}\n{message[f]}\n" for f in fields if f in message).encode()


def certificate(url: str, fetcher: Fetch) -> x509.Certificate:
    """Return the signing certificate named by the message, cached by URL."""
    if not allowed_sns_url(url) or not urlsplit(url).path.endswith(".pem"):
        raise Refused("The signing certificate is not on an Amazon SNS host.")
    key = "sns-cert:" + url
    pem = cache.get(key)
    if pem is None:
        try:
            pem = fetcher(url)
        except OSError as exc:  # 503: SNS delivers the message again later
            raise Unavailable(f"The signing certificate could not be fetched ({exc}).") from None
        cache.set(key, pem, CERT_CACHE_SECONDS)
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        cache.delete(key)
        raise Refused("The signing certificate is not a PEM certificate.") from None
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise Refused("The signing certificate has expired or is not yet valid.")
    return cert


def verify(message: dict[str, str], *, fetcher: Fetch, max_age: timedelta) -> None:
    """Raise Refused unless the message is signed by SNS and recent."""
    version = message.get("SignatureVersion", "")
    if version not in HASHES or "Signature" not in message:
        raise Refused("The message is not signed (or not with SignatureVersion 1 or 2).")
    try:
        signature = base64.b64decode(message["Signature"], validate=True)
    except (binascii.Error, ValueError):
        raise Refused("The signature is not base64.") from None
    signed = string_to_sign(message)
    key = certificate(message.get("SigningCertURL", ""), fetcher).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Refused("The signing certificate does not hold an RSA key.")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), HASHES[version]())
    except InvalidSignature:
        raise Refused("The signature does not match the message.") from None
    _check_age(message["Timestamp"], max_age)


def _check_age(timestamp: str, max_age: timedelta) -> None:
    try:
        sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        raise Malformed("The message's Timestamp is not a time.") from None
    if sent.tzinfo is None:
        raise Malformed("The message's Timestamp has no time zone.")
    age = datetime.now(UTC) - sent
    if age > max_age or age < -timedelta(minutes=5):  # a little clock skew is fine
        raise Refused("The message is too old (or from the future): a replay is refused.")
