"""S3 storage for media: every object carries the headers a CDN and a player need."""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage

from catalog import files

# django-storages keeps a file it reads wholly in memory unless told otherwise; a worker
# copying a 2 GB source for ffmpeg must spill to disk instead.
SPOOL_BYTES = 8 * 1024 * 1024


class MediaS3Storage(S3Storage):
    """S3Storage that sets ``ContentType`` and ``Cache-Control`` per object from its name.

    The policy is the one the local media view sends (``catalog.files``): playlists
    short-lived, uniquely named outputs immutable, sources private. CloudFront and browsers
    read these headers from the object itself, since no Django view sits in between.
    """

    def get_default_settings(self) -> dict[str, Any]:
        """Return django-storages' defaults, with reads spilling to disk past ``SPOOL_BYTES``."""
        defaults: dict[str, Any] = super().get_default_settings()
        defaults["max_memory_size"] = defaults["max_memory_size"] or SPOOL_BYTES
        return defaults

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """Return the upload parameters of ``name``: settings' defaults plus its headers."""
        params: dict[str, Any] = super().get_object_parameters(name)
        content_type, cache_control = files.stored_headers(self._relative(name))
        params.update(ContentType=content_type, CacheControl=cache_control)
        return params

    def _relative(self, name: str) -> str:
        """Strip ``AWS_LOCATION`` (callers pass names with it) to get the storage name."""
        location = (self.location or "").strip("/")
        if location and name.startswith(f"{location}/"):
            return name[len(location) + 1 :]
        return name
