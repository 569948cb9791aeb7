"""Liveness and readiness probes for load balancers and `make run`."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse

log = logging.getLogger(__name__)

# How long one round of checks answers /readyz. Kept in this process, not in a shared cache:
# each process reports on its own connections (a shared answer would let a healthy process
# vouch for a broken one), the probe must not depend on a cache that may itself be down, and
# a flood of anonymous probes costs each process one round of checks per interval at most.
CACHE_SECONDS = 5.0

_clock = time.monotonic
_lock = threading.Lock()
_last: tuple[float, dict[str, str]] | None = None  # (when it was checked, report)


def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 as soon as the process serves requests."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _writable_folder(path: Path) -> None:
    """Raise unless ``path`` is a folder we may write in, or could be created as one."""
    while not path.exists():  # local storage creates MEDIA_ROOT with its first file
        path = path.parent
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(f"{path} is not writable")


class NoSuchBucket(Exception):
    """HeadBucket answered 404."""


class AccessDenied(Exception):
    """HeadBucket answered 403: the credentials may not use the bucket."""


def _storage() -> None:
    # Read-only and cheap: a local folder's mode, or one HeadBucket on S3 (no body, no
    # listing), which a missing bucket or wrong credentials fail.
    if isinstance(default_storage, FileSystemStorage):
        _writable_folder(Path(default_storage.location))
        return
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket is None:
        default_storage.listdir("")  # some other remote storage: its own cheapest read
        return
    from botocore.exceptions import ClientError

    try:
        default_storage.connection.meta.client.head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))  # HEAD answers carry no body
        if code in ("404", "NoSuchBucket"):
            raise NoSuchBucket(bucket) from None
        if code in ("403", "AccessDenied"):
            raise AccessDenied(bucket) from None
        raise


def _broker() -> None:
    from django_q.brokers import get_broker
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf
    from django_q.models import OrmQ

    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("broker did not answer")
    if isinstance(broker, ORM):  # its ping always says yes: read its queue table instead
        OrmQ.objects.using(Conf.ORM).exists()


def _check() -> dict[str, str]:
    report: dict[str, str] = {}
    for name, check in (("database", _database), ("storage", _storage), ("broker", _broker)):
        try:
            check()
            report[name] = "ok"
        except Exception as exc:  # a probe reports every failure, whatever its kind
            log.warning("readiness check %s failed: %s", name, exc)
            report[name] = f"failed: {exc.__class__.__name__}"
    return report


def forget() -> None:
    """Drop the remembered report, so that the next probe checks again."""
    global _last
    with _lock:
        _last = None


def readyz(request: HttpRequest) -> JsonResponse:
    """Check the database, storage and broker (every few seconds at most); 503 names failures."""
    global _last
    with _lock:  # concurrent probes wait for one round of checks rather than each run one
        if _last is None or _clock() - _last[0] >= CACHE_SECONDS:
            report = _check()
            _last = (_clock(), report)
        report = _last[1]
    ok = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if ok else 503)
