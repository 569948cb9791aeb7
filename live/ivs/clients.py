"""boto3 clients of IVS and IVS Chat, built from the settings (tests swap ``factory``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings

# Seconds: an API call that hangs must not hold a request (or a channel row) for minutes.
TIMEOUTS = Config(
    connect_timeout=5, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"}
)


def _make(service: str) -> Any:
    endpoint = settings.IVS_ENDPOINT_URL if service == "ivs" else settings.IVSCHAT_ENDPOINT_URL
    return boto3.client(
        service, region_name=settings.IVS_REGION or None, endpoint_url=endpoint, config=TIMEOUTS
    )


factory: Callable[[str], Any] = _make


def ivs() -> Any:
    """Return an ``ivs`` client."""
    return factory("ivs")


def ivschat() -> Any:
    """Return an ``ivschat`` client."""
    return factory("ivschat")
