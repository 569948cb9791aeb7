"""Remove what transcode attempts leave behind: local work folders and unpublished outputs.

A worker killed outright (SIGKILL, out of memory, a lost machine) runs no cleanup code, so
its leftovers are removed later: by the attempt that takes the job over, by ``claim`` when
it gives a job up, and by the per-minute sweeper (``sweep_work``).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog import storage
from catalog.models import TranscodeJob, Video

log = logging.getLogger(__name__)


def hls_root(video_id: str) -> str:
    return f"videos/{video_id}/hls"


def work_root() -> Path:
    return Path(settings.TRANSCODE_WORK_DIR)


def work_dir(job_id: str, attempt: int) -> Path:
    """Return this attempt's local folder, removing the folders of earlier attempts."""
    job_root = work_root() / job_id
    if job_root.exists():
        for old in job_root.iterdir():
            if old.name != str(attempt):
                _remove(old)
    path = job_root / str(attempt)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def remove_work_dir(path: Path) -> None:
    """Remove an attempt's folder, and its job's folder once no attempt is left in it."""
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def sweep_outputs(video_id: str) -> None:
    """Delete every output under the video's hls/ folder except the published one."""
    published = Video.objects.filter(pk=video_id).values_list("output_prefix", flat=True).first()
    root = hls_root(video_id)
    try:
        dirs, files = default_storage.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in dirs:
        if f"{root}/{name}" != published:
            storage.delete_prefix(f"{root}/{name}")
    for name in files:
        default_storage.delete(f"{root}/{name}")


def abandon(job_id: str, video_id: str, *, outputs: bool) -> None:
    """Remove a given-up job's work folder and, if ``outputs``, its unpublished outputs."""
    try:
        shutil.rmtree(work_root() / job_id, ignore_errors=True)
        if outputs:
            sweep_outputs(video_id)
    except Exception:  # leftovers are untidy, not harmful: never fail the caller for them
        log.exception("could not clean up after transcode job %s", job_id)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _listing() -> dict[str, list[Path]]:
    """Map each job folder under the work root to what it holds (attempt folders)."""
    found: dict[str, list[Path]] = {}
    try:
        roots = list(work_root().iterdir())
    except FileNotFoundError:
        return found
    for root in roots:
        with contextlib.suppress(OSError):  # a runner may be removing it right now
            found[root.name] = list(root.iterdir()) if root.is_dir() else []
    return found


def sweep_work() -> list[Path]:
    """Remove the work folders no live attempt on this machine uses; return them.

    Only what was listed *before* the jobs were read is removed, so an attempt claimed
    meanwhile (whose folder is newer than the listing) is never touched. A job's current
    attempt folder is kept while its lease is alive: its runner is at work in it.
    """
    listed = _listing()
    if not listed:
        return []
    now = timezone.now()
    known = {
        job.pk: job
        for job in TranscodeJob.objects.filter(pk__in=list(listed)).only(
            "status", "attempt", "lease_expires_at"
        )
    }
    removed: list[Path] = []
    finished = (TranscodeJob.Status.DONE, TranscodeJob.Status.FAILED)
    for job_id, entries in listed.items():
        job = known.get(job_id)
        if job is None or job.status in finished:  # no attempt of it can ever start again
            _remove(work_root() / job_id)
            removed.append(work_root() / job_id)
            continue
        live = (
            job.status == TranscodeJob.Status.RUNNING
            and job.lease_expires_at is not None
            and job.lease_expires_at > now
        )
        for entry in entries:
            if not (live and entry.name == str(job.attempt)):
                _remove(entry)
                removed.append(entry)
    if removed:
        log.info("removed %d leftover transcode work folders", len(removed))
    return removed
