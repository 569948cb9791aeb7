"""Run one transcode job end to end: claim, probe, transcode, upload, publish, tidy up."""

from __future__ import annotations

import logging
import secrets
import time
import traceback
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_q.exceptions import TimeoutException

from catalog import storage
from catalog.errors import CatalogError
from catalog.models import Video
from catalog.music import pipeline as music_pipeline
from catalog.transcoding import cleanup, jobs
from catalog.transcoding.backends import get_transcoder
from catalog.transcoding.command import MASTER_PLAYLIST
from catalog.transcoding.probe import ProbeError, probe
from catalog.transcoding.process import tail

log = logging.getLogger(__name__)

UNEXPECTED = "Processing failed because of an internal error. Please try again later."
UPLOAD_START, UPLOAD_END = 92.0, 99.0
# Stop this long before django-q2's own timeout: a few seconds after that fires, django-q2
# kills the worker process, which may not be enough to record the failure and clean up.
CLEANUP_MARGIN_SECONDS = 60
# Copying the source from remote storage and probing it cannot beat the heartbeat: the
# lease is held long enough for a slow copy (5 MB/s) before they start.
SLOW_COPY_BYTES_PER_SECOND = 5 * 1024 * 1024


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


def timed_out_message() -> str:
    limit = _span(settings.TRANSCODE_TIMEOUT_SECONDS)
    return f"Processing took longer than {limit} and was stopped."


def _span(seconds: int) -> str:
    """Say a time limit the way people do: 4 hours, 90 minutes, 45 seconds."""
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def _deadline() -> float:
    """Return when to stop: before django-q2's own timeout, leaving time to clean up."""
    limit = settings.TRANSCODE_TIMEOUT_SECONDS
    return time.monotonic() + limit - min(CLEANUP_MARGIN_SECONDS, limit / 10)


def run(job_id: str) -> None:
    """Do the job if its lease can be had; a failure ends as a state, never as a crash."""
    deadline = _deadline()
    held = jobs.claim(job_id)
    if held is None:
        log.info("transcode job %s: nothing to do (done, failed or leased)", job_id)
        return
    work = cleanup.work_dir(held.job_id, held.attempt)
    prefix = f"{cleanup.hls_root(held.video_id)}/{held.attempt}-{secrets.token_hex(4)}"
    heartbeat = jobs.Heartbeat(held, deadline=deadline)
    finished = False
    try:
        finished = _transcode(held, work, prefix, heartbeat)
    except jobs.LeaseLost:
        log.warning("transcode job %s attempt %s lost its lease", held.job_id, held.attempt)
    except CatalogError as exc:
        log_tail = getattr(exc, "log_tail", "") or tail(work / "ffmpeg.log")
        finished = jobs.fail(held, message=str(exc), log_tail=log_tail)
    except (jobs.TimedOut, TimeoutException) as exc:
        # ffmpeg is already dead: run_ffmpeg kills it on the way out of any exception.
        log.warning("transcode job %s attempt %s ran out of time", held.job_id, held.attempt)
        finished = jobs.fail(held, message=timed_out_message(), log_tail=tail(work / "ffmpeg.log"))
        if isinstance(exc, TimeoutException):
            raise  # django-q2 records the timeout and replaces this worker process
    except Exception:
        log.exception("transcode job %s failed unexpectedly", held.job_id)
        log_tail = tail(work / "ffmpeg.log") + traceback.format_exc(limit=8)
        finished = jobs.fail(held, message=UNEXPECTED, log_tail=log_tail)
    finally:
        _tidy(held, prefix, work)
    if finished:
        transaction.on_commit(lambda: cleanup.sweep_outputs(held.video_id))


def _tidy(held: jobs.Claim, prefix: str, work: Path) -> None:
    """Remove the attempt's work folder and its output unless published; never raise."""
    cleanup.remove_work_dir(work)  # first: local and quick, in case the worker is killed
    try:
        published = list(
            Video.objects.filter(pk=held.video_id).values_list("output_prefix", flat=True)
        )
        if not published:  # the video was deleted meanwhile: nothing of it is wanted
            storage.delete_prefix(f"videos/{held.video_id}")
        elif published[0] != prefix:
            storage.delete_prefix(prefix)
    except Exception:
        log.exception("transcode job %s: could not remove its output %s", held.job_id, prefix)


def _transcode(held: jobs.Claim, work: Path, prefix: str, heartbeat: jobs.Heartbeat) -> bool:
    if not held.source_name:
        raise ProbeError("The uploaded file is missing.")
    out_dir = work / "out"
    hold = settings.TRANSCODE_LEASE_SECONDS + held.source_size / SLOW_COPY_BYTES_PER_SECOND
    if not jobs.renew(held, seconds=hold):
        raise jobs.LeaseLost(held.job_id)
    music = None
    with storage.local_copy(held.source_name, dir=work) as source:
        info = probe(source)
        heartbeat(0, force=True)
        if held.kind == Video.Kind.TRACK:
            result, music = music_pipeline.transcode(source, info, out_dir, heartbeat)
        else:
            result = get_transcoder().transcode(
                source=source, info=info, out_dir=out_dir, on_progress=heartbeat
            )
    upload(out_dir, prefix, heartbeat)
    if not jobs.publish(held, prefix=prefix, info=info, result=result, music=music):
        raise jobs.LeaseLost(held.job_id)
    return True
