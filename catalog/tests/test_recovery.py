"""Getting jobs back: a starting worker takes back its machine's dead runs, the sweeper the rest."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.signals import post_spawn
from django_q.signing import SignedPackage

from accounts.models import User
from catalog import tasks
from catalog.models import TranscodeJob, Video
from catalog.tests.conftest import expire
from catalog.transcoding import holder, jobs, recovery

pytestmark = pytest.mark.django_db


def age(job: TranscodeJob, seconds: float = 3600) -> None:
    TranscodeJob.objects.filter(pk=job.pk).update(
        created=timezone.now() - timedelta(seconds=seconds)
    )


def sent(enqueue: mock.Mock) -> list[str]:
    return [c.args[1] for c in enqueue.call_args_list]


def dead_pid() -> int:
    """Return the pid of a process that has ended and been reaped."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def held_by(job: TranscodeJob, **fields: object) -> None:
    """Claim the job here (this process holds it), then rewrite who holds it."""
    assert jobs.claim(job.pk) is not None
    TranscodeJob.objects.filter(pk=job.pk).update(**fields)


# --- a starting worker takes back the jobs of this machine's dead runners ------------------


@pytest.mark.skipif(holder.current() is None, reason="needs Linux /proc")
def test_the_lease_names_its_holder_process(job: TranscodeJob) -> None:
    assert jobs.claim(job.pk) is not None
    job.refresh_from_db()
    me = holder.current()
    assert me is not None and me.pid == os.getpid()
    assert (job.lease_host, job.lease_pid, job.lease_pid_started) == (me.host, me.pid, me.started)


@pytest.mark.skipif(holder.current() is None, reason="needs Linux /proc")
def test_jobs_of_a_dead_process_on_this_machine_are_taken_back_at_once(
    job: TranscodeJob,
) -> None:
    held_by(job, lease_pid=dead_pid())  # the lease itself is still alive for a minute
    with mock.patch.object(recovery, "async_task") as enqueue:
        assert recovery.reclaim_orphans() == [job.pk]
        assert recovery.reclaim_orphans() == []  # taken back once
    assert sent(enqueue) == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.lease_owner, job.lease_pid) == (TranscodeJob.Status.QUEUED, "", None)
    held = jobs.claim(job.pk)  # the task sent for it takes it: a new attempt
    assert held is not None and held.attempt == 2


@pytest.mark.skipif(holder.current() is None, reason="needs Linux /proc")
def test_a_reused_pid_does_not_hide_a_dead_holder(job: TranscodeJob) -> None:
    me = holder.current()
    assert me is not None
    held_by(job, lease_pid_started=me.started - 1)  # our pid, once another process's
    with mock.patch.object(recovery, "async_task"):
        assert recovery.reclaim_orphans() == [job.pk]


@pytest.mark.skipif(holder.current() is None, reason="needs Linux /proc")
def test_live_holders_and_other_machines_keep_their_jobs(job: TranscodeJob, user: User) -> None:
    held_by(job)  # this very process: alive
    other = TranscodeJob.objects.create(video=Video.objects.create(owner=user, title="B"))
    held_by(other, lease_host="another-machine boot ns", lease_pid=dead_pid())
    with mock.patch.object(recovery, "async_task") as enqueue:
        assert recovery.reclaim_orphans() == []
    enqueue.assert_not_called()
    statuses = set(TranscodeJob.objects.values_list("status", flat=True))
    assert statuses == {TranscodeJob.Status.RUNNING}


@pytest.mark.skipif(holder.current() is None, reason="needs Linux /proc")
def test_every_worker_process_that_starts_takes_jobs_back(
    job: TranscodeJob, caplog: pytest.LogCaptureFixture
) -> None:
    held_by(job, lease_pid=dead_pid())
    with mock.patch.object(recovery, "async_task") as enqueue:
        post_spawn.send(sender="django_q", proc_name="Process-1:1")  # as django-q2 does
    assert sent(enqueue) == [job.pk]
    with mock.patch.object(recovery, "reclaim_orphans", side_effect=DatabaseError("down")):
        post_spawn.send(sender="django_q", proc_name="Process-1:2")  # the worker still starts
    assert "could not take back" in caplog.text


def test_one_attempt_limit_reaches_django_q() -> None:
    code = "import django; django.setup(); from django_q.conf import Conf; print(Conf.MAX_ATTEMPTS)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env["TRANSCODE_MAX_ATTEMPTS"] = "2"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    assert out.stdout.split() == ["2"]


# --- the per-minute sweeper ---------------------------------------------------------------


def test_the_orm_broker_marks_tasks_as_the_sweeper_reads_them(job: TranscodeJob) -> None:
    """Pin django-q2's ORM broker: ``lock`` is the enqueue time, then hand-out + retry."""
    broker = get_broker()
    assert isinstance(broker, ORM)
    grace = timedelta(seconds=settings.TRANSCODE_LEASE_SECONDS)
    recovery._send(job.pk)  # the real async_task, into the ORM broker
    [row] = OrmQ.objects.all()
    now = timezone.now()
    assert row.lock <= now  # waiting to be handed out
    assert recovery._jobs_with_live_task(now, grace) == {job.pk}
    before = timezone.now()
    [(ack_id, _payload)] = broker.dequeue()  # a worker takes it
    after = timezone.now()
    row.refresh_from_db()
    retry = timedelta(seconds=Conf.RETRY)
    assert before + retry <= row.lock <= after + retry
    assert recovery._jobs_with_live_task(after, grace) == {job.pk}  # handed out just now
    # Handed out longer ago than a lease, and the job still queued: that task is lost.
    assert recovery._jobs_with_live_task(after + grace + timedelta(seconds=1), grace) == set()
    broker.acknowledge(ack_id)
    assert recovery._jobs_with_live_task(after, grace) == set()


def test_sweeper_requeues_a_job_whose_runner_died(job: TranscodeJob) -> None:
    assert jobs.claim(job.pk) is not None
    age(job)
    expire(job)
    TranscodeJob.objects.filter(pk=job.pk).update(lease_host="another-machine boot ns")
    with mock.patch.object(recovery, "async_task") as enqueue:
        assert tasks.resume_stalled_jobs() == [job.pk]
        assert tasks.resume_stalled_jobs() == []  # no second copy a minute later
    assert sent(enqueue) == [job.pk]
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.QUEUED and job.lease_owner == ""
    assert (job.lease_host, job.lease_pid) == ("", None)
    assert jobs.claim(job.pk) is not None  # the requeued task can take it


def test_sweeper_leaves_live_and_fresh_jobs_alone(job: TranscodeJob, user: User) -> None:
    assert jobs.claim(job.pk) is not None
    age(job)  # running, lease alive
    other = Video.objects.create(owner=user, title="Just uploaded")
    TranscodeJob.objects.create(video=other)  # queued a moment ago: its task is on its way
    with mock.patch.object(recovery, "async_task") as enqueue:
        assert tasks.resume_stalled_jobs() == []
    enqueue.assert_not_called()


def test_sweeper_requeues_a_lost_task_but_not_one_still_waiting(job: TranscodeJob, user) -> None:
    age(job)
    waiting = TranscodeJob.objects.create(video=Video.objects.create(owner=user, title="W"))
    age(waiting)
    payload = {"id": "t1", "name": "t1", "func": recovery.TASK, "args": (waiting.pk,), "kwargs": {}}
    OrmQ.objects.create(key="onair", payload=SignedPackage.dumps(payload), lock=timezone.now())
    with mock.patch.object(recovery, "async_task") as enqueue:
        assert tasks.resume_stalled_jobs() == [job.pk]
    assert sent(enqueue) == [job.pk]


def test_sweeper_runs_every_minute() -> None:
    schedule = Schedule.objects.get(func="catalog.tasks.resume_stalled_jobs")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES, 1, -1,
    )  # fmt: skip
