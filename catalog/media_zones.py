"""Keep a video's objects in the S3 zone its visibility asks for (catalog.s3).

Making a video private moves its files from ``public/`` to ``private/`` (copy, then
delete) and asks CloudFront to forget the old paths; making it public again moves them
back. Runs as a task on the worker: a video has thousands of segments. Safe to run twice
or after a worker died: each run moves whatever is still in the wrong zone. Two runs for one
video never overlap (a lock in the shared cache): flipped private → public → private
quickly, the second run would otherwise copy objects back while the first deletes them.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django_q.tasks import async_task

from catalog import cloudfront, files, storage
from catalog.models import Video
from catalog.s3 import PRIVATE, PUBLIC, MediaS3Storage, is_unzoned

log = logging.getLogger(__name__)
LOCK_SECONDS = 1800  # the longest one move may hold its video's lock (a dead worker's lapses)
LOCK_WAIT_SECONDS = 60.0  # then the run is queued again rather than hold a worker longer


def on_s3() -> bool:
    """Tell whether media lives on S3 (zones exist there only)."""
    return isinstance(default_storage, MediaS3Storage)


def folders(video_id: str, output_prefix: str) -> list[str]:
    """Return the storage folders a video's files are in (a replay's output is elsewhere)."""
    own = f"videos/{video_id}"
    if output_prefix and not output_prefix.startswith(f"{own}/"):
        return [own, output_prefix.rstrip("/")]
    return [own]


def schedule_sync(video_id: str) -> None:
    """After commit, queue the move of the video's files to its visibility's zone (S3 only)."""
    if on_s3():
        transaction.on_commit(
            lambda: async_task("catalog.tasks.sync_media_zone", video_id, group="media"),
            robust=True,
        )


def schedule_delete(prefixes: list[str]) -> None:
    """After commit, queue the deletion of every object under ``prefixes`` (S3 only)."""
    transaction.on_commit(
        lambda: async_task("catalog.tasks.delete_media", sorted(prefixes), group="media"),
        robust=True,
    )


def _visibility(video_id: str) -> tuple[str, str] | None:
    row = Video.objects.filter(pk=video_id).values_list("visibility", "output_prefix").first()
    return (str(row[0]), str(row[1])) if row else None


def _lock(video_id: str) -> str | None:
    """Take the video's move lock (waiting for a run in progress); None if it stays busy."""
    key = f"media-zone-lock:{video_id}"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not cache.add(key, os.getpid(), LOCK_SECONDS):
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.5)
    return key


def sync(video_id: str) -> int:
    """Move the video's files into the zone of its visibility; return how many moved."""
    if not on_s3():
        return 0
    key = _lock(video_id)
    if key is None:  # another run holds it: this one goes to the back of the queue
        log.info("video %s: its files are being moved already; queued again", video_id)
        async_task("catalog.tasks.sync_media_zone", video_id, group="media")
        return 0
    try:
        return _move(video_id)
    finally:
        cache.delete(key)


def _move(video_id: str) -> int:
    s3: Any = default_storage
    found = _visibility(video_id)
    if found is None or not on_s3():
        return 0
    visibility, output_prefix = found
    target = PRIVATE if visibility == Video.Visibility.PRIVATE else PUBLIC
    source = PUBLIC if target == PRIVATE else PRIVATE
    # A recording IVS wrote at the bucket's root stays there (catalog.s3.register_unzoned).
    prefixes = [prefix for prefix in folders(video_id, output_prefix) if not is_unzoned(prefix)]
    moved = []
    for prefix in prefixes:
        for key in s3.keys_under(prefix, source):
            name = s3._relative(key)
            if files.clean_name(name) is None:
                continue  # never published: stays where it is
            s3.copy_key(key, s3.key(name, target))
            moved.append(key)
    if _visibility(video_id) != found:
        # Changed again while copying: the task that change queued finishes the job; deleting
        # now could remove what that task has just copied back.
        log.info("video %s changed visibility while moving; the next run finishes", video_id)
        return len(moved)
    s3.delete_keys(moved)
    if moved:
        paths = [f"/{s3.key(prefix, source).rstrip('/')}/*" for prefix in prefixes]
        cloudfront.invalidate(paths)
    return len(moved)


def delete(prefixes: list[str]) -> int:
    """Delete every object under ``prefixes`` in every zone; invalidate their public paths."""
    deleted = sum(storage.delete_prefix(prefix) for prefix in prefixes)
    if deleted and on_s3():
        s3: Any = default_storage
        cloudfront.invalidate([f"/{s3.key(p.rstrip('/'), PUBLIC).rstrip('/')}/*" for p in prefixes])
    return deleted
