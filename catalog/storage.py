"""File helpers that work the same on local storage and S3 (only through Django storage)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage

log = logging.getLogger(__name__)


def walk(prefix: str, storage: Storage | None = None) -> Iterator[str]:
    """Yield the names of every file under ``prefix`` (a folder name without a slash)."""
    storage = storage or default_storage
    try:
        dirs, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{prefix}/{name}"
    for sub in dirs:
        yield from walk(f"{prefix}/{sub}", storage)


def delete_prefix(prefix: str, storage: Storage | None = None) -> int:
    """Delete every file under ``prefix`` and return how many were deleted."""
    storage = storage or default_storage
    delete_tree = getattr(storage, "delete_tree", None)
    if delete_tree is not None:  # S3: every zone, batched DeleteObjects (catalog.s3)
        return int(delete_tree(prefix.rstrip("/")))
    names = list(walk(prefix.rstrip("/"), storage))
    for name in names:
        storage.delete(name)
    # Local storage leaves empty folders behind; tidy them. Only there: S3's ``location``
    # is a key prefix, not a folder on this machine.
    if isinstance(storage, FileSystemStorage):
        shutil.rmtree(Path(storage.location) / prefix.rstrip("/"), ignore_errors=True)
    return len(names)


@contextlib.contextmanager
def local_copy(
    name: str, storage: Storage | None = None, *, dir: Path | None = None
) -> Iterator[Path]:
    """Give ffmpeg a local path: the file itself on local storage, else a temporary copy.

    ``dir`` is where the copy goes (the system's temporary folder if not given).
    """
    storage = storage or default_storage
    try:
        local = storage.path(name)
    except NotImplementedError:  # remote storage (S3) has no local path
        local = ""
    if local:
        yield Path(local)
        return
    with tempfile.TemporaryDirectory(prefix="onair-src-", dir=dir) as tmp:
        target = Path(tmp) / "source"
        with storage.open(name, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        yield target


def save_file(name: str, path: Path, storage: Storage | None = None) -> str:
    """Save a local file under exactly ``name`` (outputs are uniquely named per attempt)."""
    storage = storage or default_storage
    with path.open("rb") as fh:
        return storage.save(name, File(fh, name=path.name))


def _make_folders(folder: Path, mode: int | None) -> None:
    """Create ``folder`` and its missing parents with the storage's folder mode, as it does."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another thread made it meanwhile
            path.mkdir()
        if mode is not None:
            os.chmod(path, mode)


def overwrite(name: str, content: bytes | Path, storage: Storage | None = None) -> str:
    """Write ``content`` (bytes, or a local file) under exactly ``name``, replacing any file.

    For files rewritten in place (live playlists) and writes that may be retried: ``save``
    would pick another name for an existing one. On local storage the file is written beside
    its target and renamed over it, so a reader sees the old file or the new one, never half
    of one; other storages get ``_save``, Django's hook that writes a name as given (on S3 a
    plain put to that key, with its headers: catalog.s3).
    """
    storage = storage or default_storage
    if not isinstance(storage, FileSystemStorage):
        with contextlib.ExitStack() as stack:
            if isinstance(content, Path):
                body: File = File(stack.enter_context(content.open("rb")), name=name)
            else:
                body = ContentFile(content, name=name)
            saved = storage._save(name, body)  # type: ignore[attr-defined]
        if saved != name:
            raise RuntimeError(f"storage wrote {name} as {saved}")
        return name
    target = Path(storage.path(name))
    _make_folders(target.parent, storage.directory_permissions_mode)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(content, Path):
                with content.open("rb") as src:
                    shutil.copyfileobj(src, fh, 1024 * 1024)
            else:
                fh.write(content)
        mode = storage.file_permissions_mode
        os.chmod(temporary, mode if mode is not None else 0o644)  # mkstemp made it 0o600
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name
