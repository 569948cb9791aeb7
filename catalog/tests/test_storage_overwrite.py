"""storage.overwrite on local storage: the exact name, replaced whole, with the storage's modes.

(On S3, against moto: test_s3.py.)
"""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog import storage

pytestmark = pytest.mark.database_free

NAME = "live/ch/s1/live_360p.m3u8"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_the_exact_name_in_new_folders_with_the_storage_modes(
    media_root: Path, settings
) -> None:
    assert storage.overwrite(NAME, b"#EXTM3U\n") == NAME
    path = media_root / NAME
    assert path.read_bytes() == b"#EXTM3U\n"
    assert mode(path) == settings.FILE_UPLOAD_PERMISSIONS
    for folder in (media_root / "live", media_root / "live/ch", media_root / "live/ch/s1"):
        assert mode(folder) == settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS


def test_replaces_what_save_would_rename(media_root: Path) -> None:
    default_storage.save(NAME, ContentFile(b"first"))
    assert default_storage.save(NAME, ContentFile(b"x")) != NAME  # why overwrite exists
    assert storage.overwrite(NAME, b"second") == NAME
    assert (media_root / NAME).read_bytes() == b"second"
    leftovers = {p.name for p in (media_root / NAME).parent.iterdir()}
    assert not any(name.endswith(".tmp") for name in leftovers)


def test_copies_a_local_file(media_root: Path, tmp_path: Path) -> None:
    source = tmp_path / "segment.m4s"
    source.write_bytes(b"\0" * 3_000_000)
    storage.overwrite("live/ch/s1/360p_r1-ab_00000.m4s", source)
    assert (media_root / "live/ch/s1/360p_r1-ab_00000.m4s").read_bytes() == source.read_bytes()


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(
    media_root: Path, tmp_path: Path
) -> None:
    storage.overwrite(NAME, b"old")
    with pytest.raises(FileNotFoundError):
        storage.overwrite(NAME, tmp_path / "missing")
    assert (media_root / NAME).read_bytes() == b"old"
    assert [p.name for p in (media_root / NAME).parent.iterdir()] == ["live_360p.m3u8"]


def test_a_reader_never_sees_half_a_file(media_root: Path) -> None:
    """Readers race a writer that keeps replacing the file with a different whole content."""
    versions = [bytes([i]) * 300_000 for i in range(1, 5)]
    storage.overwrite(NAME, versions[0])
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            storage.overwrite(NAME, versions[i % len(versions)])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = set()
        for _ in range(300):
            data = (media_root / NAME).read_bytes()
            assert data in versions, f"read {len(data)} bytes of a file being written"
            seen.add(data[0])
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 1  # the reads did overlap the rewrites
