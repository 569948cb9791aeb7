"""django-q2 tasks of the catalog: thin entry points into the transcoding package."""

from __future__ import annotations

import logging

from catalog import media_zones
from catalog.transcoding import pipeline, recovery, remote

log = logging.getLogger(__name__)


def transcode(job_id: str) -> None:
    """Transcode the job's video (safe to deliver twice: the job's lease decides)."""
    pipeline.run(job_id)


def resume_stalled_jobs() -> list[str]:
    """Queue again the transcode jobs whose worker died or whose task was lost."""
    return recovery.resume_stalled()


def poll_remote_transcodes() -> list[str]:
    """Ask the remote engine about its jobs: the fallback for completion events never heard."""
    return remote.poll()


def reclaim_on_worker_start(sender: object, **kwargs: object) -> None:
    """Take back the jobs of this machine's dead workers (django-q2's ``post_spawn``).

    Sent in every worker process the cluster starts, including the one that replaces a
    worker that died: its job resumes at once instead of after the lease and the sweeper.
    """
    try:
        recovery.reclaim_orphans()
    except Exception:  # a worker must start even if the database is not reachable yet
        log.exception("could not take back the jobs of workers that died")


def sync_media_zone(video_id: str) -> int:
    """Move a video's S3 objects to the zone its visibility asks for (catalog.media_zones)."""
    return media_zones.sync(video_id)


def delete_media(prefixes: list[str]) -> int:
    """Delete every stored object under ``prefixes`` (a deleted video's files)."""
    return media_zones.delete(prefixes)
