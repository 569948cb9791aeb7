"""Move objects stored before zones existed (``videos/…`` at the top) into their zone.

Run once after upgrading an S3 deployment: ``python manage.py s3_zones``. Safe to run
again or to stop half-way; keys already in a zone are left alone.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from catalog.s3 import ZONES, MediaS3Storage, zone_of


class Command(BaseCommand):
    help = "Move S3 objects stored without a zone (public/, private/, internal/) into theirs."

    def handle(self, *args: Any, **options: Any) -> None:
        if not isinstance(default_storage, MediaS3Storage):
            raise CommandError("STORAGE_BACKEND is not s3: local storage has no zones.")
        s3: Any = default_storage
        location = f"{s3.location.strip('/')}/" if s3.location.strip("/") else ""
        pages = s3.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=s3.bucket_name, Prefix=location
        )
        moved: list[str] = []
        for page in pages:
            for item in page.get("Contents", ()):
                key = item["Key"]
                name = key[len(location) :]
                if name.split("/", 1)[0] in ZONES or not name:
                    continue
                s3.copy_key(key, s3.key(name, zone_of(name)))
                moved.append(key)
        s3.delete_keys(moved)
        self.stdout.write(f"Moved {len(moved)} objects into their zones.")
