"""The SNS HTTPS endpoint: EventBridge events (MediaConvert, IVS) arrive here through SNS.

Every message is checked before anything acts on it: an allowed topic, a valid SNS
signature, a recent timestamp and a MessageId never seen before. Status codes follow SNS's
delivery policy: 2xx and 4xx end the delivery (a refused message is not retried), 5xx asks
SNS to retry (a handler that failed, e.g. the database was busy).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config import body_limits
from config.aws import events, sns

log = logging.getLogger(__name__)

BODY_LIMIT = body_limits.BodyLimit("SNS message", "AWS_SNS_MAX_BODY_BYTES")
SEEN_PREFIX = "sns-seen:"


def _answer(detail: str, status: int = 200) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _max_age() -> timedelta:
    return timedelta(seconds=settings.AWS_SNS_MAX_AGE_SECONDS)


@csrf_exempt
@require_POST
def sns_webhook(request: HttpRequest) -> JsonResponse:
    """Verify one SNS message and act on it: confirm a subscription or dispatch an event."""
    topics = settings.AWS_SNS_TOPIC_ARNS
    if not topics:
        return _answer("This site takes no AWS events: AWS_SNS_TOPIC_ARNS is not set.", 404)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.AWS_SNS_MAX_BODY_BYTES:
        return _answer("The message is larger than any SNS message.", 413)
    try:
        message = sns.parse(request.body)
        if message.get("TopicArn") not in topics:
            raise sns.Refused("Messages from this topic are not accepted here.")
        sns.verify(message, fetcher=sns.fetch, max_age=_max_age())
        event = _event(message)
    except sns.Refused as exc:
        log.warning("SNS message refused: %s", exc)
        return _answer(str(exc), exc.status)
    # Once only: a replay of a valid message within the age window is refused here.
    seen = SEEN_PREFIX + message["MessageId"]
    if not cache.add(seen, True, timeout=int(_max_age().total_seconds()) + 600):
        return _answer("This message was already received.", 409)
    try:
        return _act(message, event)
    except Exception:
        cache.delete(seen)  # let SNS's retry of it through
        log.exception("SNS message %s could not be handled", message["MessageId"])
        return _answer("The message could not be handled now; SNS will retry it.", 500)


def _event(message: dict[str, str]) -> events.Event | None:
    """Return the EventBridge event a Notification carries (None for other kinds)."""
    if message["Type"] != "Notification":
        return None
    try:
        event = json.loads(message["Message"])
    except ValueError:
        raise sns.Malformed("The notification's Message is not an EventBridge event.") from None
    if not isinstance(event, dict) or "source" not in event or "detail-type" not in event:
        raise sns.Malformed("The notification's Message is not an EventBridge event.")
    return event


def _act(message: dict[str, str], event: events.Event | None) -> JsonResponse:
    kind = message["Type"]
    if kind == "SubscriptionConfirmation":
        url = message.get("SubscribeURL", "")
        if not sns.allowed_sns_url(url):
            return _answer("The SubscribeURL is not an Amazon SNS address.", 403)
        sns.fetch(url)  # GET it: that is how SNS learns the endpoint agrees
        log.info("confirmed the SNS subscription to %s", message["TopicArn"])
        return _answer("Subscription confirmed.")
    if kind == "UnsubscribeConfirmation":
        log.warning("SNS says this endpoint was unsubscribed from %s", message["TopicArn"])
        return _answer("Noted.")
    assert event is not None
    try:
        events.dispatch(event)
    except events.UnknownEvent as exc:  # a rule may send more than the site handles
        log.info("SNS event ignored: %s", exc)
        return _answer(f"{exc} Ignored.")
    except events.BadEvent as exc:
        log.warning("SNS event refused: %s", exc)
        return _answer(f"The event is malformed: {exc}", 400)
    return _answer("Handled.")
