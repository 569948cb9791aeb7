"""S3 storage for media: public and private zones, per-object headers, signed URLs.

Storage names stay what the rest of the code knows (``videos/<id>/hls/…``); the key in the
bucket gets a zone in front of the name (after ``AWS_LOCATION``):

- ``public/``: files of public and unlisted videos, live sessions, avatars. The bucket
  policy (docs/aws.md) lets CloudFront, or everyone when there is no CloudFront, read it.
- ``private/``: files of private videos (and private replays). No policy exposes it; the
  owner reads it through presigned S3 URLs or CloudFront signed URLs (catalog.media_grants).
- ``internal/``: uploaded originals and anything that is never published. Nobody reads it
  from the bucket, since an original may carry GPS tags the outputs strip.

Which zone a name is in follows the access rules the local media view uses
(``catalog.access_rules``), so the owner's visibility decides, and a visibility change
moves the objects (``catalog.media_zones``).

Folders another service writes at the bucket's root (Amazon IVS records under ``ivs/``, and
cannot be told a prefix) have no zone: ``register_unzoned`` names them, their keys are their
names, they are read as public and never moved.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from catalog import access_rules, cloudfront, files
from catalog.models import Video

# django-storages keeps a file it reads wholly in memory unless told otherwise; a worker
# copying a 2 GB source for ffmpeg must spill to disk instead.
SPOOL_BYTES = 8 * 1024 * 1024
PUBLIC, PRIVATE, INTERNAL = "public", "private", "internal"
ZONES = (PUBLIC, PRIVATE, INTERNAL)
DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes


_unzoned: list[str] = []


def register_unzoned(prefix: str) -> None:
    """Files under ``prefix`` (e.g. "ivs/") are at the bucket's root, not in a zone."""
    if prefix not in _unzoned:
        _unzoned.append(prefix)


def is_unzoned(name: str) -> bool:
    name = name.strip("/")
    return any(f"{name}/".startswith(prefix) for prefix in _unzoned)


def zone_of(name: str, *, folder: bool = False) -> str:
    """Return the zone of a storage name (of a folder's files, with ``folder``)."""
    name = name.strip("/")
    if is_unzoned(name):
        return PUBLIC  # read as public; the key has no zone (MediaS3Storage.key)
    if files.clean_name(name) is None or (folder and files.clean_name(f"{name}/x") is None):
        return INTERNAL
    probe = f"{name}/" if folder else name  # the rules match ``videos/<id>/``, not the bare id
    rule = access_rules.rule_for(probe)
    access = rule(probe) if rule is not None else None
    private = access is not None and access.visibility == Video.Visibility.PRIVATE
    return PRIVATE if private else PUBLIC


class MediaS3Storage(S3Storage):
    """S3Storage with zones, ``ContentType``/``Cache-Control`` per object, signed URLs.

    The headers are those the local media view sends (``catalog.files``): playlists
    short-lived, uniquely named outputs immutable, sources private. CloudFront and browsers
    read them from the object itself, since no Django view sits in between.
    """

    def get_default_settings(self) -> dict[str, Any]:
        """Return django-storages' defaults, with reads spilling to disk past ``SPOOL_BYTES``."""
        defaults: dict[str, Any] = super().get_default_settings()
        defaults["max_memory_size"] = defaults["max_memory_size"] or SPOOL_BYTES
        # Presigned URLs of private media: SigV4 (botocore may otherwise pick the legacy
        # scheme, which new regions refuse), whose X-Amz-Expires a URL carries itself.
        defaults["signature_version"] = defaults["signature_version"] or "s3v4"
        return defaults

    def _normalize_name(self, name: str) -> str:
        # Every file operation of django-storages goes through here: put the zone in.
        if is_unzoned(name):
            return str(super()._normalize_name(name))
        return str(super()._normalize_name(f"{zone_of(name)}/{name}"))

    def key(self, name: str, zone: str | None = None) -> str:
        """Return the bucket key of ``name`` (in ``zone``, or where its visibility puts it)."""
        if is_unzoned(name):
            return str(super()._normalize_name(clean_name(name)))
        zone = zone or zone_of(name)
        return str(super()._normalize_name(f"{zone}/{clean_name(name)}"))

    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        """List a folder of the zone its files belong to (names relative to the folder)."""
        folder = clean_name(name).strip("/")
        path = self.key(folder, zone_of(folder, folder=True))
        path = f"{path.rstrip('/')}/"
        dirs: list[str] = []
        found: list[str] = []
        pages = self.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Delimiter="/", Prefix=path
        )
        for page in pages:
            dirs += [posixpath.relpath(p["Prefix"], path) for p in page.get("CommonPrefixes", ())]
            found += [posixpath.relpath(o["Key"], path) for o in page.get("Contents", ())]
        return dirs, found

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """Return the upload parameters of ``name``: settings' defaults plus its headers."""
        params: dict[str, Any] = super().get_object_parameters(name)
        content_type, cache_control = files.stored_headers(self._relative(name))
        params.update(ContentType=content_type, CacheControl=cache_control)
        return params

    def _relative(self, name: str) -> str:
        """Strip ``AWS_LOCATION`` and the zone (callers pass keys) to get the storage name."""
        location = (self.location or "").strip("/")
        if location and name.startswith(f"{location}/"):
            name = name[len(location) + 1 :]
        zone, _, rest = name.partition("/")
        return rest if zone in ZONES and rest else name

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        """Return a stable URL for a public file, a short-lived signed one for a private one."""
        if zone_of(name) != PRIVATE:
            return str(super().url(name, parameters, expire, http_method))
        return self.signed_url(name, seconds=expire or settings.MEDIA_SIGNED_URL_SECONDS)

    def signed_url(self, name: str, *, seconds: int) -> str:
        """Return a URL of a private file that works for ``seconds``.

        CloudFront signs with its key pair when configured; otherwise S3 presigns.
        """
        key = self.key(name, PRIVATE)
        if self.custom_domain and cloudfront.configured():
            url = f"{self.url_protocol}//{self.custom_domain}/{key}"
            expires = datetime.now(UTC) + timedelta(seconds=seconds)
            return cloudfront.sign_url(url, expires=expires)
        return str(
            self.connection.meta.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket_name, "Key": key}, ExpiresIn=seconds
            )
        )

    def signed_urls(self, names: list[str], *, scope: str, seconds: int) -> dict[str, str]:
        """Return signed URLs of many private files under ``scope`` (one playlist's segments).

        CloudFront: one signature over ``scope/*`` serves every URL (an RSA signature per
        segment would cost a millisecond each); S3: one HMAC presign per key.
        """
        if not (self.custom_domain and cloudfront.configured()):
            return {name: self.signed_url(name, seconds=seconds) for name in names}
        base = f"{self.url_protocol}//{self.custom_domain}/{self.key(scope, PRIVATE)}"
        expires = datetime.now(UTC) + timedelta(seconds=seconds)
        query = cloudfront.sign_url(f"{base.rstrip('/')}/*", expires=expires).split("?", 1)[1]
        domain = f"{self.url_protocol}//{self.custom_domain}"
        return {name: f"{domain}/{self.key(name, PRIVATE)}?{query}" for name in names}

    def keys_under(self, prefix: str, zone: str) -> Iterator[str]:
        """Yield every key under the folder ``prefix`` in ``zone``."""
        root = f"{self.key(prefix.strip('/'), zone).rstrip('/')}/"
        pages = self.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Prefix=root
        )
        for page in pages:
            yield from (item["Key"] for item in page.get("Contents", ()))

    def delete_keys(self, keys: list[str]) -> int:
        """Delete ``keys`` with batched ``DeleteObjects`` calls; raise if any key failed."""
        client = self.connection.meta.client
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            answer = client.delete_objects(
                Bucket=self.bucket_name, Delete={"Objects": batch, "Quiet": True}
            )
            if errors := answer.get("Errors"):
                first = errors[0]
                raise OSError(f"S3 refused to delete {len(errors)} keys: {first.get('Message')}")
        return len(keys)

    def delete_tree(self, prefix: str) -> int:
        """Delete every object under the folder ``prefix`` in every zone."""
        return sum(self.delete_keys(list(self.keys_under(prefix, zone))) for zone in ZONES)

    def copy_key(self, source: str, target: str) -> None:
        """Copy one object inside the bucket, with its headers."""
        self.connection.meta.client.copy_object(
            Bucket=self.bucket_name,
            Key=target,
            CopySource={"Bucket": self.bucket_name, "Key": source},
            MetadataDirective="COPY",
        )
