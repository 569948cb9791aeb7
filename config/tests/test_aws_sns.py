"""The SNS webhook: real signatures from a certificate made here, the fetch patched at the edge."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.test import Client

from config.aws import events, sns
from config.tests import sns_signing
from config.tests.sns_signing import CERT_URL, HOOK, TOPIC, SnsSigner

SUBSCRIBE_URL = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"
SOURCE, DETAIL_TYPE = "onair.test", "Test Event"

received: list[events.Event] = []


def handler(event: events.Event) -> None:
    if event["detail"].get("explode"):
        raise RuntimeError("database is locked")
    received.append(event)


events.register_event_handler(SOURCE, DETAIL_TYPE, handler)


@pytest.fixture(scope="module")
def signer() -> SnsSigner:
    return SnsSigner()


@pytest.fixture(scope="module")
def signing_key(signer: SnsSigner) -> rsa.RSAPrivateKey:
    return signer.key


@pytest.fixture(autouse=True)  # no test reaches the network
def fetched(monkeypatch: pytest.MonkeyPatch, signer: SnsSigner) -> list[str]:
    """Serve the test certificate (and subscription confirmations) at the fetch boundary."""
    return signer.install(monkeypatch)


@pytest.fixture(autouse=True)
def setup(settings: Any, db: None) -> None:
    settings.AWS_SNS_TOPIC_ARNS = [TOPIC]
    received.clear()


def sign(message: dict[str, str], key: rsa.RSAPrivateKey, version: str = "2") -> dict[str, str]:
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303 (SNS v1)
    signed = sns.string_to_sign(message)
    signature = key.sign(signed, padding.PKCS1v15(), algorithm)
    return message | {
        "SignatureVersion": version,
        "Signature": base64.b64encode(signature).decode(),
        "SigningCertURL": CERT_URL,
    }


def notification(detail: dict[str, Any] | None = None, **fields: str) -> dict[str, str]:
    event = {"source": SOURCE, "detail-type": DETAIL_TYPE, "detail": detail or {"n": 1}}
    return sns_signing.notification(event, **fields)


Post = Callable[[dict[str, str]], Any]


@pytest.fixture
def post() -> Post:
    client = Client(enforce_csrf_checks=True)  # SNS sends no CSRF token: the hook is exempt

    def send(message: dict[str, str]) -> Any:
        return client.post(HOOK, json.dumps(message), content_type="text/plain; charset=UTF-8")

    return send


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_notification_reaches_its_handler(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str], version: str
) -> None:
    response = post(sign(notification(), signing_key, version))
    assert response.status_code == 200, response.json()
    assert [e["detail"] for e in received] == [{"n": 1}]
    assert fetched == [CERT_URL]


def test_the_certificate_is_fetched_once(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    for _ in range(2):
        assert post(sign(notification(), signing_key)).status_code == 200
    assert fetched == [CERT_URL]
    assert len(received) == 2


def test_an_unsigned_message_is_refused(post: Post, fetched: list[str]) -> None:
    response = post(notification())
    assert response.status_code == 403
    assert "not signed" in response.json()["detail"]
    assert received == [] and fetched == []


def test_a_forged_message_is_refused(post: Post, signing_key: rsa.RSAPrivateKey) -> None:
    message = sign(notification(), signing_key)
    message["Message"] = message["Message"].replace('"n": 1', '"n": 2')
    response = post(message)
    assert response.status_code == 403
    assert response.json()["detail"] == "The signature does not match the message."
    assert received == []


def test_a_message_signed_by_another_key_is_refused(post: Post, fetched: list[str]) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (a throwaway forger, fast to make)
    assert post(sign(notification(), other)).status_code == 403
    assert received == []


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/SimpleNotificationService-x.pem",
        "http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.eu-west-1.amazonaws.com.evil.example/x.pem",
        "https://sns.eu-west-1.amazonaws.com:8443/x.pem",
        "https://user@sns.eu-west-1.amazonaws.com/x.pem",
        "https://sns.eu-west-1.amazonaws.com/not-a-certificate",
    ],
)
def test_a_certificate_off_the_sns_hosts_is_never_fetched(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str], url: str
) -> None:
    message = sign(notification(), signing_key) | {"SigningCertURL": url}
    response = post(message)
    assert response.status_code == 403
    assert response.json()["detail"] == "The signing certificate is not on an Amazon SNS host."
    assert fetched == [] and received == []


def test_a_replayed_message_is_handled_once(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    message = sign(notification(), signing_key)
    assert post(message).status_code == 200
    again = post(message)
    assert again.status_code == 409
    assert again.json()["detail"] == "This message was already received."
    assert len(received) == 1


def test_an_old_message_is_refused(post: Post, signing_key: rsa.RSAPrivateKey, fetched) -> None:
    old = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    response = post(sign(notification(Timestamp=old), signing_key))
    assert response.status_code == 403
    assert "too old" in response.json()["detail"]
    assert received == []


def test_a_message_from_another_topic_is_refused(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    other = "arn:aws:sns:eu-west-1:999999999999:someone-else"
    response = post(sign(notification(TopicArn=other), signing_key))
    assert response.status_code == 403
    assert response.json()["detail"] == "Messages from this topic are not accepted here."
    assert received == [] and fetched == []


def test_without_topics_the_hook_is_off(post: Post, settings: Any) -> None:
    settings.AWS_SNS_TOPIC_ARNS = []
    assert post(notification()).status_code == 404


def confirmation(subscribe_url: str = SUBSCRIBE_URL) -> dict[str, str]:
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": str(uuid.uuid4()),
        "Token": "t",
        "TopicArn": TOPIC,
        "Message": "You have chosen to subscribe to the topic …",
        "SubscribeURL": subscribe_url,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }


def test_a_subscription_is_confirmed_at_sns(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    response = post(sign(confirmation(), signing_key))
    assert response.status_code == 200
    assert fetched == [CERT_URL, SUBSCRIBE_URL]


def test_a_subscribe_url_off_the_sns_hosts_is_not_visited(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    message = sign(confirmation("https://169.254.169.254/latest/meta-data/"), signing_key)
    response = post(message)
    assert response.status_code == 403
    assert fetched == [CERT_URL]


def test_an_event_nobody_handles_is_acknowledged(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    message = notification()
    message["Message"] = json.dumps({"source": "aws.s3", "detail-type": "Object Created"})
    response = post(sign(message, signing_key))
    assert response.status_code == 200
    assert "Ignored" in response.json()["detail"]


def test_a_failed_handler_lets_sns_retry(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    message = sign(notification({"explode": True}), signing_key)
    assert post(message).status_code == 500
    assert post(message).status_code == 500  # the retry is not taken for a replay
    assert received == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json", "The body is not JSON."),
        (b"[1, 2]", "The body is not an SNS message."),
        (json.dumps({"Type": "Other"}).encode(), "Unknown SNS message type 'Other'."),
    ],
)
def test_malformed_bodies_get_a_clear_400(body: bytes, detail: str) -> None:
    response = Client().post(HOOK, body, content_type="text/plain")
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_a_notification_whose_message_is_no_event_is_refused(
    post: Post, signing_key: rsa.RSAPrivateKey, fetched: list[str]
) -> None:
    response = post(sign(notification(Message="hello"), signing_key))
    assert response.status_code == 400
    assert "not an EventBridge event" in response.json()["detail"]


def test_an_oversized_body_is_refused_unread(settings: Any) -> None:
    body = b"x" * (settings.AWS_SNS_MAX_BODY_BYTES + 1)
    response = Client().post(HOOK, body, content_type="text/plain")
    assert response.status_code == 413


def test_only_post_is_accepted() -> None:
    assert Client().get(HOOK).status_code == 405


def test_an_unreachable_certificate_asks_sns_to_retry(
    post: Post, signer: SnsSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(url: str) -> bytes:
        raise OSError("Network is unreachable")

    monkeypatch.setattr(sns, "fetch", unreachable)
    message = signer.sign(notification())
    assert post(message).status_code == 503
    signer.install(monkeypatch)
    assert post(message).status_code == 200  # the redelivery is not taken for a replay
    assert len(received) == 1


def test_message_attributes_do_not_stop_verification(post: Post, signer: SnsSigner) -> None:
    message: dict[str, Any] = signer.sign(notification())
    message["MessageAttributes"] = {"kind": {"Type": "String", "Value": "x"}}
    assert post(message).status_code == 200
