"""The upload step the videos and tracks APIs share: rate limits counted, the body read, the
media item created, a full queue answered 429."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.request import Request

from catalog import limits
from catalog.errors import QueueQuotaExceeded
from catalog.models import Video
from config.ratelimit import Limited


def counted_upload(request: Request, create: Callable[[dict[str, Any]], Video], form: Any) -> Video:
    """Validate ``form`` (a serializer class) on the request and ``create`` the item from it.

    Counted before the body is parsed (so that uploads sent at once count too), in the
    refused count unless it is stored; a refusal here counts in neither.
    """
    attempt = limits.upload_attempt(request)
    refusal = limits.upload_refusal(attempt)
    if refusal:
        raise Limited(*refusal)
    video = None
    try:
        data = form(data=request.data)
        data.is_valid(raise_exception=True)
        video = create(data.validated_data)
    except QueueQuotaExceeded as error:
        raise Limited(error.retry_after, str(error)) from None
    finally:
        limits.upload_counted(attempt, accepted=video is not None)
    return video
