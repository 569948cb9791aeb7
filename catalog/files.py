"""What a stored file's name says about it: its content type, caching and public URL.

One set of rules for every way a file reaches a viewer: the local media view
(``catalog.media``) sends them as headers, and the S3 storage (``catalog.s3``) stores them
on each object for CloudFront and browsers. Live packaging uses the same ones.
"""

from __future__ import annotations

import posixpath
import re

from django.core.files.storage import default_storage

IMMUTABLE = "public, max-age=31536000, immutable"
PLAYLIST = "public, max-age=2"  # players re-read playlists; a CDN may hold them briefly
# Live playlists change every second: any cache must ask again each time (seed lesson:
# a CDN holding a live playlist for seconds holds viewers that far behind, or stalls them).
LIVE_PLAYLIST = "no-cache"
LIVE_PREFIX = "live/"  # live sessions store their files under here
OTHER = "public, max-age=60"
# Uploaded originals and probe files are never published: no CDN or browser keeps them.
PRIVATE = "private, no-store"
UNKNOWN_TYPE = "application/octet-stream"
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".ts": "video/mp2t",
    ".aac": "audio/aac",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
# Every published output is uniquely named per transcode attempt (and subtitles carry a
# random suffix), so whatever is not a playlist never changes under its URL.
IMMUTABLE_SUFFIXES = frozenset(CONTENT_TYPES) - {".m3u8"}
# Uploaded originals are inputs, not something to publish.
_NOT_PUBLISHED = re.compile(r"^videos/[^/]+/source/")


def clean_name(name: str) -> str | None:
    """Return ``name`` if it is a plain relative name of a published file, else ``None``."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return None
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    if _NOT_PUBLISHED.match(name):
        return None
    return name


def _suffix(name: str) -> str:
    return posixpath.splitext(name)[1].lower()


def content_type(name: str) -> str:
    """Return the media type of a stored file, by its name."""
    return CONTENT_TYPES.get(_suffix(name), UNKNOWN_TYPE)


def cache_control(name: str, *, private: bool = False) -> str:
    """Playlists are short-lived (live ones revalidated), uniquely named outputs kept a year.

    Private files go to their owner's browser only, never to a CDN or proxy.
    """
    suffix = _suffix(name)
    if suffix == ".m3u8" and name.startswith(LIVE_PREFIX):
        return "private, no-cache" if private else LIVE_PLAYLIST
    if suffix == ".m3u8":
        policy = PLAYLIST
    elif suffix in IMMUTABLE_SUFFIXES:
        policy = IMMUTABLE
    else:
        policy = OTHER
    return "private" + policy.removeprefix("public") if private else policy


def stored_headers(name: str) -> tuple[str, str]:
    """Return the content type and Cache-Control a stored object carries for shared caches.

    Files that are never published (uploaded originals, odd names) get neither a type of
    their own (an upload's declared type is not trusted) nor a place in any cache.
    """
    if clean_name(name) is None:
        return UNKNOWN_TYPE, PRIVATE
    return content_type(name), cache_control(name)


def storage_url(name: str | None) -> str | None:
    """Return the public URL of a stored file, or ``None`` while there is none."""
    return default_storage.url(name) if name else None
