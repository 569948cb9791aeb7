"""Liveness and readiness probes for load balancers and `make run`."""

from __future__ import annotations

import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse

log = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 as soon as the process serves requests."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _storage() -> None:
    name = default_storage.save(f"healthcheck/{uuid.uuid4().hex}", ContentFile(b"ok"))
    default_storage.delete(name)


def _broker() -> None:
    from django_q.brokers import get_broker

    if not get_broker().ping():
        raise RuntimeError("broker did not answer")


def readyz(request: HttpRequest) -> JsonResponse:
    """Check the database, storage and task broker; 503 names what failed."""
    report: dict[str, str] = {}
    for name, check in (("database", _database), ("storage", _storage), ("broker", _broker)):
        try:
            check()
            report[name] = "ok"
        except Exception as exc:  # a probe reports every failure, whatever its kind
            log.warning("readiness check %s failed: %s", name, exc)
            report[name] = f"failed: {exc.__class__.__name__}"
    ok = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if ok else 503)
