"""Read what a finished MediaConvert job wrote under the output prefix into a TranscodeResult.

The renditions come from the master playlist MediaConvert wrote (BANDWIDTH, CODECS,
RESOLUTION, as it measured them), their sizes from storage; the sprite is tiled here from
the frame captures (MediaConvert captures frames but does not tile them).
"""

from __future__ import annotations

import io
import posixpath
from typing import Any

import m3u8
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

from catalog import storage
from catalog.transcoding import thumbnails
from catalog.transcoding.backends.base import RenditionOutput, TranscodeError, TranscodeResult
from catalog.transcoding.backends.mediaconvert_job import (
    MASTER_BASENAME,
    POSTER_BASENAME,
    THUMB_BASENAME,
)
from catalog.transcoding.ladder import AUDIO_BITRATE
from catalog.transcoding.playlist import AAC_LC

MASTER = f"{MASTER_BASENAME}.m3u8"
MISSING = "Converting the video did not produce a complete result. Please try again."
SPRITE, SPRITE_VTT = "sprite.jpg", "sprite.vtt"


def _read(name: str) -> str:
    try:
        with default_storage.open(name, "rb") as fh:
            text: str = fh.read().decode("utf-8")
            return text
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscodeError(MISSING, f"{name}: {exc}") from exc


def _rendition(prefix: str, uri: str, bitrate: int, codecs: str, size: Any) -> RenditionOutput:
    """Measure one media playlist's files (the playlist, its init segment, its segments)."""
    playlist = m3u8.loads(_read(f"{prefix}/{uri}"))
    folder = posixpath.dirname(uri)
    names = [uri, *(posixpath.join(folder, s.uri) for s in playlist.segments)]
    names += [posixpath.join(folder, m.uri) for m in playlist.segment_map if m.uri]
    if not playlist.segments:
        raise TranscodeError(MISSING, f"{uri} lists no segments")
    try:
        total = sum(default_storage.size(f"{prefix}/{n}") for n in dict.fromkeys(names))
    except OSError as exc:
        raise TranscodeError(MISSING, str(exc)) from exc
    width, height = size if size else (None, None)
    files = tuple(dict.fromkeys(names))
    return RenditionOutput(uri, bitrate, codecs, total, width, height, files)


def renditions(prefix: str) -> list[RenditionOutput]:
    """Return every rendition the master names: the video variants, else the audio alone."""
    master = m3u8.loads(_read(f"{prefix}/{MASTER}"))
    found = [
        _rendition(
            prefix,
            v.uri,
            int(v.stream_info.bandwidth or 0),
            v.stream_info.codecs or "",
            v.stream_info.resolution,
        )
        for v in master.playlists
        if v.stream_info.resolution  # video variants (audio-only variants come below)
    ]
    if not found:  # audio only: the audio rendition is the whole ladder
        uris = [m.uri for m in master.media if m.type == "AUDIO" and m.uri]
        uris += [v.uri for v in master.playlists]
        if not uris:
            raise TranscodeError(MISSING, f"{MASTER} names no rendition")
        found = [_rendition(prefix, uris[0], AUDIO_BITRATE, AAC_LC, None)]
    return found


def _captures(prefix: str, basename: str) -> list[str]:
    """Return the frame captures ``<basename>.NNNNNNN.jpg`` under ``prefix``, in order."""
    try:
        _dirs, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(f for f in files if f.startswith(basename + ".") and f.endswith(".jpg"))


def poster(prefix: str) -> str | None:
    """Return the capture a tenth in (the second), or the first for a very short video."""
    found = _captures(prefix, POSTER_BASENAME)
    return found[min(1, len(found) - 1)] if found else None


def sprite(prefix: str, plan: thumbnails.SpritePlan, duration: float) -> tuple[str, str] | None:
    """Tile the thumbnails into sprite.jpg and write sprite.vtt (media-chrome's format)."""
    names = _captures(prefix, THUMB_BASENAME)[: plan.count]
    if not names:
        return None
    sheet = Image.new("RGB", (plan.columns * plan.thumb_width, plan.rows * plan.thumb_height))
    for i, name in enumerate(names):
        try:
            with default_storage.open(f"{prefix}/{name}", "rb") as fh, Image.open(fh) as image:
                cell = image.convert("RGB").resize((plan.thumb_width, plan.thumb_height))
        except (OSError, UnidentifiedImageError) as exc:
            raise TranscodeError("The seek preview images could not be made.", str(exc)) from exc
        x, y = (i % plan.columns) * plan.thumb_width, (i // plan.columns) * plan.thumb_height
        sheet.paste(cell, (x, y))
    buffer = io.BytesIO()
    sheet.save(buffer, "JPEG", quality=80)
    storage.overwrite(f"{prefix}/{SPRITE}", buffer.getvalue())
    vtt = thumbnails.sprite_vtt(plan, duration, SPRITE)
    storage.overwrite(f"{prefix}/{SPRITE_VTT}", vtt.encode())  # after the image it names
    return SPRITE, SPRITE_VTT


def collect(prefix: str, plan: thumbnails.SpritePlan | None, duration: float) -> TranscodeResult:
    """Return the result of a finished job from the files under ``prefix``."""
    found = renditions(prefix)
    made = sprite(prefix, plan, duration) if plan else None
    return TranscodeResult(
        master=MASTER, renditions=found, poster=poster(prefix),
        sprite=made[0] if made else None, sprite_vtt=made[1] if made else None,
    )  # fmt: skip
