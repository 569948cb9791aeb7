"""An IVS recording in S3, read through storage: its playlists, renditions and thumbnails.

IVS writes under ``recording_s3_key_prefix``: ``media/hls/master.m3u8`` with one folder per
rendition (``720p30/playlist.m3u8`` …) and ``media/thumbnails/`` (one folder per rendition
when every rendition is recorded). The media bucket is the recording bucket, so a key is a
storage name and the replay plays from where IVS wrote it, with no copy.
"""

from __future__ import annotations

import re

import m3u8
from django.core.files.storage import default_storage

from catalog.storage import walk
from catalog.transcoding.backends.base import RenditionOutput
from catalog.transcoding.thumbnails import POSTER_AT
from live.packaging.replay import ReplayOutput

MASTER = "media/hls/master.m3u8"
THUMBNAILS = "media/thumbnails"
MASTER_MAX_BYTES = 64 * 1024  # a master playlist names a handful of renditions
_SAFE_PREFIX = re.compile(r"[A-Za-z0-9_./-]{1,400}")
_NUMBER = re.compile(r"(\d+)")


class RecordingUnreadable(Exception):
    """The recording's master playlist is missing or is not a master playlist."""


def checked_prefix(prefix: str, channel_arn: str) -> str | None:
    """Return the recording prefix if it is a plain key path under the channel's id, else None."""
    prefix = prefix.strip("/")
    channel_id = channel_arn.rsplit("/", 1)[-1]
    if not _SAFE_PREFIX.fullmatch(prefix) or ".." in prefix.split("/"):
        return None
    if f"/{channel_id}/" not in f"/{prefix}/":
        return None
    return prefix


def _number(name: str) -> int:
    found = _NUMBER.search(name)
    return int(found.group(1)) if found else -1


def replay_output(prefix: str, *, duration: float) -> ReplayOutput:
    """Describe the recorded HLS as a replay (the master playlist is read, nothing copied)."""
    master = f"{prefix}/{MASTER}"
    try:
        with default_storage.open(master, "rb") as f:
            text = f.read(MASTER_MAX_BYTES + 1)
    except (FileNotFoundError, OSError) as exc:
        raise RecordingUnreadable(f"{master} is not in storage") from exc
    if len(text) > MASTER_MAX_BYTES:
        raise RecordingUnreadable(f"{master} is too large for a master playlist")
    playlist = m3u8.loads(text.decode("utf-8", errors="replace"))
    if not playlist.is_variant or not playlist.playlists:
        raise RecordingUnreadable(f"{master} is not a master playlist")
    renditions = []
    for variant in playlist.playlists:
        info = variant.stream_info
        width, height = info.resolution or (None, None)
        renditions.append(
            RenditionOutput(
                playlist=f"{prefix}/media/hls/{variant.uri}",
                bitrate=int(info.bandwidth or 0),
                codecs=info.codecs or "",
                bytes=0,  # IVS does not say; counting would list every segment
                width=width,
                height=height,
            )
        )
    names = thumbnails(prefix)
    poster = names[min(len(names) - 1, int(len(names) * POSTER_AT))] if names else None
    return ReplayOutput(master=master, renditions=renditions, duration=duration, poster=poster)


def thumbnails(prefix: str) -> list[str]:
    """Return the thumbnails of the recording's top rendition, in the order they were taken."""
    by_folder: dict[str, list[str]] = {}
    for name in walk(f"{prefix}/{THUMBNAILS}"):
        if name.endswith(".jpg"):
            by_folder.setdefault(name.rsplit("/", 1)[0], []).append(name)
    if not by_folder:
        return []
    top = max(by_folder, key=lambda folder: _number(folder.rsplit("/", 1)[-1]))
    return sorted(by_folder[top], key=lambda name: _number(name.rsplit("/", 1)[-1]))
