"""Deleting a video while its transcode publishes: no deadlock, nothing left, in either order.

PostgreSQL only. SQLite has no row locks (``select_for_update`` does nothing there) and each
write transaction takes the whole database's write lock, so the two cannot interleave or
deadlock: one simply waits for the other, and the orders forced here cannot happen there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from accounts.models import User
from catalog import services, tasks
from catalog.models import Rendition, TranscodeJob, Video
from catalog.tests.conftest import create_video
from catalog.tests.processes import wait_for
from catalog.transcoding import jobs

pytestmark = [
    pytest.mark.media,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)"),
]

TIMEOUT = 120


class Gate:
    """A point where a thread stops until the test opens the gate."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def __call__(self) -> None:
        self.reached.set()
        if not self.opened.wait(TIMEOUT):
            raise TimeoutError("the test never opened the gate")

    def wait(self) -> None:
        assert self.reached.wait(TIMEOUT), "the thread never reached the gate"


class Runner(threading.Thread):
    """Run ``work`` on its own database connection; keep what it raised."""

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            connections.close_all()

    def finish(self) -> None:
        self.join(TIMEOUT)
        assert not self.is_alive(), "still running: a deadlock?"
        assert self.error is None, repr(self.error)


def sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def delete(video_id: str) -> Callable[[], None]:
    return lambda: services.video_delete(video=Video.objects.get(pk=video_id))


def assert_nothing_left(video_id: str, media_root: Path) -> None:
    assert not Video.objects.filter(pk=video_id).exists()
    assert not TranscodeJob.objects.filter(video_id=video_id).exists()
    assert not Rendition.objects.filter(video_id=video_id).exists()
    assert not (media_root / f"videos/{video_id}").exists()
    work = Path(settings.TRANSCODE_WORK_DIR)
    assert not work.exists() or not any(work.iterdir()), list(work.rglob("*"))


def test_delete_waits_for_a_publish_under_way(
    user: User, clip: Path, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = create_video(user, clip)
    holding_the_job = Gate()
    real = jobs._locked_if_ours

    def lock_then_stop(held: jobs.Claim) -> Any:
        job = real(held)  # publish now holds the job's row lock
        holding_the_job()
        return job

    monkeypatch.setattr(jobs, "_locked_if_ours", lock_then_stop)
    transcode = Runner(lambda: tasks.transcode(video.jobs.get().pk))
    holding_the_job.wait()
    deleting = Runner(delete(video.pk))
    wait_for(lambda: sessions_waiting_for_a_lock() > 0, TIMEOUT, "the delete to wait")
    holding_the_job.opened.set()  # publish goes on: video, renditions, commit; then the delete
    transcode.finish()
    deleting.finish()
    assert_nothing_left(video.pk, media_root)


def test_publish_gives_way_to_a_delete_under_way(
    user: User, clip: Path, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = create_video(user, clip)
    about_to_publish, deleted = Gate(), Gate()
    real_lock, real_delete = jobs._locked_if_ours, Video.delete

    def stop_then_lock(held: jobs.Claim) -> Any:
        about_to_publish()  # outputs uploaded, nothing locked yet
        return real_lock(held)

    def delete_then_stop(self: Video, *args: Any, **kwargs: Any) -> Any:
        result = real_delete(self, *args, **kwargs)
        deleted()  # rows deleted, locks held, not committed yet
        return result

    monkeypatch.setattr(jobs, "_locked_if_ours", stop_then_lock)
    monkeypatch.setattr(Video, "delete", delete_then_stop)
    transcode = Runner(lambda: tasks.transcode(video.jobs.get().pk))
    about_to_publish.wait()
    deleting = Runner(delete(video.pk))
    deleted.wait()
    about_to_publish.opened.set()
    wait_for(lambda: sessions_waiting_for_a_lock() > 0, TIMEOUT, "the publish to wait")
    deleted.opened.set()  # the delete commits; publish finds no job and gives up quietly
    deleting.finish()
    transcode.finish()
    assert_nothing_left(video.pk, media_root)
