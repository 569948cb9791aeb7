"""Queue again the transcode jobs whose runner died or whose task was lost.

Two ways back for a job: a worker starting on the machine where its runner died takes it
back at once (``reclaim_orphans``: the holder's process provably no longer exists), and the
per-minute sweeper (``resume_stalled``) re-queues any job whose lease expired, from any
machine, and any queued job whose task the broker no longer holds.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from catalog.models import TranscodeJob
from catalog.transcoding import cleanup, holder

log = logging.getLogger(__name__)

TASK = "catalog.tasks.transcode"
NO_HOLDER = {"lease_owner": "", "lease_host": "", "lease_pid": None, "lease_pid_started": None}


def _grace() -> timedelta:
    return timedelta(seconds=settings.TRANSCODE_LEASE_SECONDS)


def _task_wait() -> timedelta:
    """How long a queued job waits for the task sent for it before it is sent again."""
    return max(10 * _grace(), timedelta(minutes=5))


def _send(job_id: str) -> None:
    async_task(TASK, job_id, group="transcode")


def reclaim_orphans() -> list[str]:
    """Queue again at once the running jobs whose holder on this machine no longer runs."""
    host = holder.host_key()
    if host is None:
        return []
    running = TranscodeJob.objects.filter(
        status=TranscodeJob.Status.RUNNING, lease_host=host, lease_pid__isnull=False
    ).values_list("pk", "lease_owner", "lease_pid", "lease_pid_started")
    reclaimed: list[str] = []
    for pk, owner, pid, started in running:
        if pid is None or started is None or not holder.gone(holder.Holder(host, pid, started)):
            continue
        # Conditional on the owner: of several workers starting at once, one takes it back.
        taken = TranscodeJob.objects.filter(
            pk=pk, status=TranscodeJob.Status.RUNNING, lease_owner=owner
        ).update(
            status=TranscodeJob.Status.QUEUED,
            lease_expires_at=timezone.now() + _task_wait(),
            **NO_HOLDER,
        )
        if taken:
            _send(pk)
            reclaimed.append(pk)
            log.warning("transcode job %s: its worker (pid %s) is gone; queued again", pk, pid)
    return reclaimed


def _jobs_with_live_task(now: datetime, grace: timedelta) -> set[str]:
    """Job ids with a task waiting in the ORM broker, or handed out less than ``grace`` ago.

    This reads django-q2's ORM broker rows: ``lock`` is the enqueue time while a task waits
    and hand-out time + ``retry`` once a worker took it. test_jobs.py pins that against the
    installed django-q2, so an upgrade that changes it turns a test red.
    """
    if not Conf.ORM:
        return set()
    recent = now - grace + timedelta(seconds=Conf.RETRY)  # lock = hand-out time + RETRY
    ids: set[str] = set()
    for row in OrmQ.objects.using(Conf.ORM).all():
        task = row.task
        if task.get("func") != TASK or not task.get("args"):
            continue
        if row.lock is None or row.lock <= now or row.lock > recent:
            ids.add(str(task["args"][0]))
    return ids


def resume_stalled() -> list[str]:
    """Queue again the jobs whose runner died or task was lost (return their ids); tidy."""
    reclaimed = reclaim_orphans()
    now = timezone.now()
    grace = _grace()
    # A running job whose lease ran out has no live runner: back to the queue with it.
    TranscodeJob.objects.filter(
        status=TranscodeJob.Status.RUNNING, lease_expires_at__lt=now
    ).update(status=TranscodeJob.Status.QUEUED, lease_expires_at=None, **NO_HOLDER)
    # On a queued job, lease_expires_at means "a task for it was sent; wait till then".
    stalled = TranscodeJob.objects.filter(
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now),
        status=TranscodeJob.Status.QUEUED,
        created__lt=now - grace,
    ).values_list("pk", flat=True)
    live = _jobs_with_live_task(now, grace)
    resumed = [pk for pk in stalled if pk not in live]
    for pk in resumed:
        TranscodeJob.objects.filter(pk=pk, status=TranscodeJob.Status.QUEUED).update(
            lease_expires_at=now + _task_wait()
        )
        _send(pk)
        log.info("re-queued stalled transcode job %s", pk)
    # After the requeue above: a runner whose lease ran out has lost the job for good.
    cleanup.sweep_work()
    return reclaimed + resumed
