"""Helpers for the packaging tests: FLV streams from ffmpeg, feeding, storage checks, playback."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import m3u8
import pytest
from django.core.files.storage import default_storage

from catalog import storage
from conftest import FFMPEG, make_clip
from live.packaging.packager import Packager

CHUNK = 64 * 1024


@pytest.fixture(scope="session")
def flv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flv")


@pytest.fixture
def flv(flv_dir: Path) -> Callable[..., Path]:
    """Make (once per session) an FLV stream as an encoder sends it: H.264 + AAC, ``gop`` frames."""

    def factory(
        name: str, *, seconds: float = 5, gop: int = 30, size: str = "640x360", **kwargs: Any
    ) -> Path:
        path = flv_dir / f"{name}.flv"
        if not path.exists():
            keyframes = ["-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
            args = [*(keyframes if kwargs.get("video") is not False else []), "-f", "flv"]
            make_clip(path, *args, seconds=seconds, size=size, **kwargs)
        return path

    return factory


async def feed_file(packager: Packager, path: Path) -> None:
    """Publish a whole FLV file as fast as the packager takes it."""
    data = path.read_bytes()
    for start in range(0, len(data), CHUNK):
        await packager.feed(data[start : start + CHUNK])


async def feed_realtime(
    packager: Packager, path: Path, on_chunk: Callable[[], None] | None = None
) -> None:
    """Publish an FLV file at its own pace (ffmpeg -re), as a live encoder does."""
    cmd = [FFMPEG, "-v", "error", "-re", "-i", str(path), "-c", "copy", "-f", "flv", "pipe:1"]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    try:
        while chunk := await proc.stdout.read(CHUNK):
            await packager.feed(chunk)
            if on_chunk is not None:
                on_chunk()
        assert await proc.wait() == 0
    finally:  # cancelled: the encoder stops too
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait for ``condition`` to hold; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def folder(name: str) -> str:
    return name.rsplit("/", 1)[0]


def names_in(name: str, text: str) -> list[str]:
    """Return the storage names a playlist (media or master) refers to."""
    playlist = m3u8.loads(text)
    here = folder(name)
    uris = [p.uri for p in playlist.playlists] + [s.uri for s in playlist.segments]
    uris += [s.init_section.uri for s in playlist.segments if s.init_section]
    return [f"{here}/{uri}" for uri in dict.fromkeys(uris)]


class StorageOrder:
    """Wrap the uploader's writes: before any playlist is written, what it names must exist.

    It records each playlist written (name, text) and any name missing at that moment.
    """

    def __init__(self) -> None:
        self.writes: list[tuple[str, str]] = []
        self.missing: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, name: str, content: bytes | Path, storage_: Any = None) -> str:
        if name.endswith(".m3u8"):
            text = content.read_text() if isinstance(content, Path) else content.decode()
            absent = [n for n in names_in(name, text) if not default_storage.exists(n)]
            with self._lock:
                self.writes.append((name, text))
                self.missing += [f"{name} names {n}" for n in absent]
        return storage.overwrite(name, content, storage_)

    def texts(self, name: str) -> list[str]:
        return [text for written, text in self.writes if written == name]


def decode(source: str, stream: str = "v:0") -> tuple[int, float]:
    """Play a playlist (a path or URL) through ffmpeg; return the frames and seconds decoded."""
    cmd = [
        FFMPEG, "-v", "error", "-i", source, "-map", f"0:{stream}",
        "-progress", "pipe:1", "-nostats", "-f", "null", "-",
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    fields = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return int(fields.get("frame", 0)), int(fields["out_time_us"]) / 1e6


def play(media_root: Path, name: str, stream: str = "v:0") -> tuple[int, float]:
    """Play a playlist in local storage through ffmpeg."""
    return decode(str(media_root / name), stream)
