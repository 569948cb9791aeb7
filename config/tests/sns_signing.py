"""Sign SNS messages as Amazon SNS does, with a certificate made here (for webhook tests).

``SnsSigner`` holds an RSA key and a self-signed certificate; ``install`` serves that
certificate where the webhook fetches it (``config.aws.sns.fetch``, patched at the edge), so
verification runs in full. Other apps' tests (IVS events) deliver their events the same way.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from config.aws import sns

TOPIC = "arn:aws:sns:eu-west-1:123456789012:onair-events"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"
HOOK = "/hooks/aws/sns/"


def now_stamp(delta: timedelta = timedelta()) -> str:
    """Return a timestamp in SNS's format (ISO 8601, milliseconds, Z)."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SnsSigner:
    """An SNS stand-in: a key, its certificate, and messages signed with them."""

    def __init__(self, key_size: int = 2048) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .sign(self.key, hashes.SHA256())
        )
        self.pem = cert.public_bytes(serialization.Encoding.PEM)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """Patch the webhook's fetch to serve the certificate; return the URLs it fetched."""
        urls: list[str] = []

        def fetch(url: str) -> bytes:
            assert sns.allowed_sns_url(url), url  # the real fetch refuses the rest too
            urls.append(url)
            return self.pem if url.endswith(".pem") else b"<ConfirmSubscriptionResponse/>"

        monkeypatch.setattr(sns, "fetch", fetch)
        return urls

    def sign(self, message: dict[str, str], version: str = "2") -> dict[str, str]:
        """Return ``message`` with SNS's signature fields (SignatureVersion 1 or 2)."""
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303 (SNS v1)
        signature = self.key.sign(sns.string_to_sign(message), padding.PKCS1v15(), algorithm)
        return message | {
            "SignatureVersion": version,
            "Signature": base64.b64encode(signature).decode(),
            "SigningCertURL": CERT_URL,
        }


def notification(event: dict[str, Any], **fields: str) -> dict[str, str]:
    """Wrap an EventBridge event as the SNS Notification that carries it (unsigned)."""
    return {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": TOPIC,
        "Message": json.dumps(event),
        "Timestamp": now_stamp(),
        "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
    } | fields
