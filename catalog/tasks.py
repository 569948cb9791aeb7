"""django-q2 tasks of the catalog: thin entry points into the transcoding package."""

from __future__ import annotations

from catalog.transcoding import jobs, pipeline


def transcode(job_id: str) -> None:
    """Transcode the job's video (safe to deliver twice: the job's lease decides)."""
    pipeline.run(job_id)


def resume_stalled_jobs() -> list[str]:
    """Queue again the transcode jobs whose worker died or whose task was lost."""
    return jobs.resume_stalled()
