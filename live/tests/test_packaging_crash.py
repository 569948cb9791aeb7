"""An ingest process killed mid-stream: its ffmpeg dies too, and the replay is finished later."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import m3u8
import pytest
from django.conf import settings as django_settings

from catalog.tests.processes import alive, children, wait_for
from live.packaging.replay import finish_orphan
from live.tests.packaging import flv, flv_dir, play

__all__ = ["flv", "flv_dir"]  # fixtures

pytestmark = [
    pytest.mark.media,
    pytest.mark.database_free,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl"),
]

PREFIX = "live/ch/crashed"
FPS = 30
# The ingest, with storage that stops answering from the third segment on: ffmpeg goes on
# writing segments that only exist on the local disk when the process is killed.
INGEST = """
import asyncio, sys, threading, django
django.setup()
from pathlib import Path
from catalog import storage
from live.packaging import uploader
from live.packaging.packager import Packager

never = threading.Event()

def hanging(name, content, storage_=None):
    if name.endswith("_00002.m4s"):
        never.wait()
    return storage.overwrite(name, content, storage_)

uploader.overwrite = hanging

async def main():
    p = Packager(session_id="crashed", output_prefix=sys.argv[1], work_dir=Path(sys.argv[2]))
    data = Path(sys.argv[3]).read_bytes()
    for i in range(0, len(data), 65536):
        await p.feed(data[i:i + 65536])
    await asyncio.Event().wait()  # the publisher stays connected until the process dies

asyncio.run(main())
"""


def journaled(work_dir: Path) -> list[str]:
    path = work_dir / "journal.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [r["name"] for r in map(json.loads, lines) if r["kind"] == "segment"]


def listed_by_ffmpeg(work_dir: Path) -> list[str]:
    playlists = list(work_dir.glob("r*/360p.m3u8"))
    return [s.uri for s in m3u8.loads(playlists[0].read_text()).segments] if playlists else []


@pytest.fixture
def ingest(
    tmp_path: Path, flv: Callable[..., Path]
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    work_dir = tmp_path / "work"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "LIVE_TRANSCODE_LADDER": "false",
    }
    clip = flv("copy-6s", seconds=6)
    with (tmp_path / "ingest.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", INGEST, PREFIX, str(work_dir), str(clip)],
            cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield proc, work_dir
    finally:
        proc.kill()
        proc.wait()


def test_orphan_finish_stores_the_leftovers_and_writes_the_replay(
    ingest: tuple[subprocess.Popen[bytes], Path], media_root: Path, tmp_path: Path, settings
) -> None:
    settings.LIVE_MIN_REPLAY_SECONDS = 1
    proc, work_dir = ingest
    wait_for(
        lambda: (
            (len(journaled(work_dir)) == 2 and len(listed_by_ffmpeg(work_dir)) >= 5)
            or proc.poll() is not None
        ),
        timeout=30,
        what="two segments stored and more written locally",
    )
    assert proc.poll() is None, (tmp_path / "ingest.log").read_text()
    [ffmpeg] = children(proc.pid)
    proc.send_signal(signal.SIGKILL)  # the crash
    proc.wait()
    wait_for(lambda: not alive(ffmpeg), timeout=5, what="ffmpeg to die with the ingest")

    leftovers = listed_by_ffmpeg(work_dir)
    assert len(leftovers) >= 5 and not (media_root / PREFIX / leftovers[2]).exists()

    replay = finish_orphan(PREFIX, work_dir)
    assert replay is not None
    [rendition] = replay.renditions
    segments = [n for n in rendition.files if n.endswith(".m4s")]
    assert segments == [f"{PREFIX}/{n}" for n in leftovers]  # in order, none lost
    assert all((media_root / n).is_file() for n in rendition.files)
    assert not list(work_dir.rglob("*.m4s"))  # uploaded, then removed from the disk
    assert len(journaled(work_dir)) == len(leftovers)
    frames, seconds = play(media_root, replay.master)
    assert seconds == pytest.approx(replay.duration, abs=0.1)
    assert frames == round(replay.duration * FPS)

    again = finish_orphan(PREFIX, work_dir)  # a second pass changes nothing
    assert again == replay and len(journaled(work_dir)) == len(leftovers)


def test_nothing_recorded_means_no_replay(tmp_path: Path) -> None:
    assert finish_orphan(PREFIX, tmp_path / "never-started") is None
