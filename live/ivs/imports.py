"""An ended IVS recording, brought into the media storage's zones and published as a replay.

IVS writes at the bucket's root (``ivs/v1/…``), where the bucket policy cannot tell a private
replay from a public one. So the recording is copied (S3 server-side copies) under the
session's own folder, ``live/<channel>/<session>/recording/``, which the storage places in
the zone of the replay's visibility like any other media (catalog/s3.py); a later visibility
change moves it, and the originals under ``ivs/`` are deleted. Runs as a task: an hour of
recording is thousands of objects.
"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import transaction
from django_q.tasks import async_task

from catalog.s3 import MediaS3Storage
from catalog.storage import delete_prefix, walk
from live import sessions
from live.ivs import recordings
from live.models import LiveSession

log = logging.getLogger(__name__)


def target_prefix(session: LiveSession) -> str:
    return f"live/{session.channel_id}/{session.pk}/recording"


def _copy(name: str, target: str) -> None:
    storage = default_storage
    if isinstance(storage, MediaS3Storage):  # a server-side copy: nothing passes through here
        storage.copy_key(storage.key(name), storage.key(target))
        return
    with storage.open(name, "rb") as source:
        storage.save(target, source)


def import_recording(session_id: str, prefix: str, duration: float) -> str | None:
    """Copy the recording into the session's folder, publish the replay, drop the originals.

    Returns the replay's id (None if the session is gone or already has its replay). Safe to
    run again after a worker died: copies are overwritten, the replay is made once.
    """
    session = LiveSession.objects.filter(pk=session_id).first()
    if session is None or session.replay_id is not None:
        return None
    target = target_prefix(session)
    names = list(walk(prefix))
    for name in names:
        _copy(name, f"{target}/{name[len(prefix) + 1 :]}")
    replay = recordings.replay_output(target, duration=duration)
    LiveSession.objects.filter(pk=session.pk).update(output_prefix=target)
    video = sessions.replay_publish(session_id=session.pk, replay=replay)
    if video is None:
        return None
    # The thumbnails the live runs (live/ivs/tasks.py) did not reach, from their new place.
    transaction.on_commit(
        lambda: async_task("live.ivs.tasks.review_thumbnails", session.pk, cluster="live"),
        robust=True,
    )
    removed = delete_prefix(prefix)
    log.info(
        "IVS recording %s: %d objects copied to %s, %d removed", prefix, len(names), target, removed
    )
    return str(video.pk)
