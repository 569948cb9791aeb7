"""Run one transcode job end to end: claim, probe, transcode, upload, publish, tidy up."""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import traceback
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from catalog import storage
from catalog.errors import CatalogError
from catalog.models import Video
from catalog.transcoding import jobs
from catalog.transcoding.backends import get_transcoder
from catalog.transcoding.command import MASTER_PLAYLIST
from catalog.transcoding.probe import ProbeError, probe
from catalog.transcoding.process import tail

log = logging.getLogger(__name__)

UNEXPECTED = "Processing failed because of an internal error. Please try again later."
UPLOAD_START, UPLOAD_END = 92.0, 99.0
# Copying the source from remote storage and probing it cannot beat the heartbeat: the
# lease is held long enough for a slow copy (5 MB/s) before they start.
SLOW_COPY_BYTES_PER_SECOND = 5 * 1024 * 1024


def hls_root(video_id: str) -> str:
    return f"videos/{video_id}/hls"


def work_dir(job_id: str, attempt: int) -> Path:
    """Return this attempt's local folder, removing the folders of earlier attempts."""
    job_root = Path(settings.TRANSCODE_WORK_DIR) / job_id
    if job_root.exists():
        for old in job_root.iterdir():
            if old.name != str(attempt):
                shutil.rmtree(old, ignore_errors=True)
    path = job_root / str(attempt)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def remove_work_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):  # the job's folder, once no attempt is left in it
        path.parent.rmdir()


def upload_order(names: list[str]) -> list[str]:
    """Segments, images and maps first, media playlists next, the master last."""
    playlists = sorted(n for n in names if n.endswith(".m3u8") and n != MASTER_PLAYLIST)
    others = sorted(n for n in names if not n.endswith(".m3u8"))
    return others + playlists + ([MASTER_PLAYLIST] if MASTER_PLAYLIST in names else [])


def upload(out_dir: Path, prefix: str, heartbeat: jobs.Heartbeat) -> None:
    """Save every output under ``prefix`` with exactly its own name."""
    names = upload_order([p.name for p in out_dir.iterdir() if p.is_file()])
    for i, name in enumerate(names):
        wanted = f"{prefix}/{name}"
        saved = storage.save_file(wanted, out_dir / name)
        if saved != wanted:
            raise RuntimeError(f"storage saved {wanted} as {saved}")
        heartbeat(UPLOAD_START + (UPLOAD_END - UPLOAD_START) * (i + 1) / len(names))


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


def run(job_id: str) -> None:
    """Do the job if its lease can be had; a failure ends as a state, never as a crash."""
    held = jobs.claim(job_id)
    if held is None:
        log.info("transcode job %s: nothing to do (done, failed or leased)", job_id)
        return
    work = work_dir(held.job_id, held.attempt)
    prefix = f"{hls_root(held.video_id)}/{held.attempt}-{secrets.token_hex(4)}"
    heartbeat = jobs.Heartbeat(held)
    finished = False
    try:
        finished = _transcode(held, work, prefix, heartbeat)
    except jobs.LeaseLost:
        log.warning("transcode job %s attempt %s lost its lease", held.job_id, held.attempt)
    except CatalogError as exc:
        log_tail = getattr(exc, "log_tail", "") or tail(work / "ffmpeg.log")
        finished = jobs.fail(held, message=str(exc), log_tail=log_tail)
    except Exception:
        log.exception("transcode job %s failed unexpectedly", held.job_id)
        log_tail = tail(work / "ffmpeg.log") + traceback.format_exc(limit=8)
        finished = jobs.fail(held, message=UNEXPECTED, log_tail=log_tail)
    finally:
        video = Video.objects.filter(pk=held.video_id).values_list("output_prefix", flat=True)
        if video.first() != prefix:
            storage.delete_prefix(prefix)
        remove_work_dir(work)
    if finished:
        transaction.on_commit(lambda: sweep_outputs(held.video_id))


def _transcode(held: jobs.Claim, work: Path, prefix: str, heartbeat: jobs.Heartbeat) -> bool:
    if not held.source_name:
        raise ProbeError("The uploaded file is missing.")
    out_dir = work / "out"
    hold = settings.TRANSCODE_LEASE_SECONDS + held.source_size / SLOW_COPY_BYTES_PER_SECOND
    if not jobs.renew(held, seconds=hold):
        raise jobs.LeaseLost(held.job_id)
    with storage.local_copy(held.source_name) as source:
        info = probe(source)
        heartbeat(0, force=True)
        result = get_transcoder().transcode(
            source=source, info=info, out_dir=out_dir, on_progress=heartbeat
        )
    upload(out_dir, prefix, heartbeat)
    if not jobs.publish(held, prefix=prefix, info=info, result=result):
        raise jobs.LeaseLost(held.job_id)
    return True
