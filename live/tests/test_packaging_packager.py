"""The packager end to end: FLV in, live HLS in storage (in order), reconnects, the replay."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

import av
import m3u8
import pytest
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage

from catalog.tests.processes import children, command_line
from live.packaging import thumbnail, uploader
from live.packaging.packager import Packager
from live.tests.packaging import (
    StorageOrder,
    feed_file,
    feed_realtime,
    flv,
    flv_dir,
    play,
    until,
)

__all__ = ["flv", "flv_dir"]  # fixtures

pytestmark = [pytest.mark.media, pytest.mark.database_free, pytest.mark.anyio]

FPS = 30
SECONDS = 5
PREFIX = "live/ch/s1"


@pytest.fixture
def order(monkeypatch: pytest.MonkeyPatch) -> StorageOrder:
    checker = StorageOrder()
    monkeypatch.setattr(uploader, "overwrite", checker)
    return checker


def packager(tmp_path: Path, prefix: str = PREFIX) -> Packager:
    return Packager(
        session_id=prefix.rsplit("/", 1)[-1], output_prefix=prefix, work_dir=tmp_path / prefix
    )


def stored_under(media_root: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in (media_root / prefix).iterdir())


def check_sliding_window(texts: list[str]) -> None:
    """Across every rewrite, a media sequence number always names the same segment, numbers
    follow one another, and each segment keeps its discontinuity sequence number."""
    by_number: dict[int, str] = {}
    discontinuity: dict[str, int] = {}
    for text in texts:
        playlist = m3u8.loads(text)
        assert len(playlist.segments) <= uploader.LIVE_WINDOW
        number = playlist.discontinuity_sequence or 0
        for i, segment in enumerate(playlist.segments):
            if segment.discontinuity and i > 0:
                number += 1
            assert by_number.setdefault(playlist.media_sequence + i, segment.uri) == segment.uri
            assert discontinuity.setdefault(segment.uri, number) == number
            assert segment.program_date_time is not None
    assert sorted(by_number) == list(range(len(by_number)))


async def test_copy_only_stream_two_runs_and_the_replay(
    tmp_path: Path, media_root: Path, settings, order: StorageOrder, flv: Callable[..., Path]
) -> None:
    settings.LIVE_TRANSCODE_LADDER = False
    clip = flv("copy-1s", seconds=SECONDS)
    p = packager(tmp_path)
    live_while_publishing: list[bool] = []
    await feed_realtime(p, clip, on_chunk=lambda: live_while_publishing.append(bool(p.live_master)))
    assert any(live_while_publishing), "the live playlist came only after the publisher stopped"
    assert not p.failed.is_set(), p.failure
    assert p.source is not None
    assert (p.source.width, p.source.height, p.source.fps) == (640, 360, FPS)
    assert (p.source.video_codec, p.source.audio_codec, p.source.keyframe_interval) == (
        "h264",
        "aac",
        1.0,
    )
    assert not p.keyframe_warning
    assert p.live_master == f"{PREFIX}/live.m3u8"

    # A live thumbnail from the newest segment in storage.
    assert p.latest_segment is not None
    init, segment = p.latest_segment
    thumb = await sync_to_async(thumbnail.capture)(
        init_name=init, segment_name=segment, target_name=f"{PREFIX}/thumb-1.jpg"
    )
    with av.open(str(media_root / thumb)) as image:
        frame = next(image.decode(video=0))
        assert (frame.width, frame.height) == (480, 270)

    await p.end_run()  # the publisher dropped; it comes back in the same session
    first_run = m3u8.loads(order.texts(f"{PREFIX}/live_360p.m3u8")[-1]).segments
    # Published in real time, each segment had a rewrite of its own (one may share it
    # on a loaded machine).
    assert len(order.texts(f"{PREFIX}/live_360p.m3u8")) >= len(first_run) - 1 >= SECONDS - 1
    await feed_file(p, clip)
    replay = await p.finish()
    assert not p.failed.is_set(), p.failure

    assert order.missing == []  # every playlist, at every rewrite, named stored files only
    live = order.texts(f"{PREFIX}/live_360p.m3u8")
    check_sliding_window(live)
    assert any("#EXT-X-DISCONTINUITY\n" in text for text in live)
    assert live[-1].rstrip().endswith("#EXT-X-ENDLIST")  # closed by finish
    master = m3u8.loads(order.texts(f"{PREFIX}/live.m3u8")[0])
    [variant] = master.playlists
    assert variant.uri == "live_360p.m3u8" and variant.stream_info.resolution == (640, 360)
    assert variant.stream_info.codecs.startswith("avc1.") and variant.stream_info.codecs.endswith(
        ",mp4a.40.2"
    )
    assert len(order.texts(f"{PREFIX}/live.m3u8")) == 1  # written once

    files = stored_under(media_root, PREFIX)
    segments = [n for n in files if n.endswith(".m4s")]
    runs = {n.split("_")[1] for n in segments}
    assert len(runs) == 2 and len(segments) == len(set(segments)) >= 2 * SECONDS
    assert sum(n.endswith("_init.mp4") for n in files) == 2  # one per run
    assert not list((tmp_path / PREFIX).rglob("*.m4s"))  # uploaded files left the disk

    assert replay is not None
    assert replay.master == f"{PREFIX}/replay.m3u8"
    assert replay.duration == pytest.approx(2 * SECONDS, abs=0.1)
    [rendition] = replay.renditions
    assert (rendition.width, rendition.height) == (640, 360)
    assert rendition.codecs == variant.stream_info.codecs
    assert set(rendition.files) == {f"{PREFIX}/{n}" for n in files if n.startswith("360p_")}
    assert rendition.bytes == sum((media_root / n).stat().st_size for n in rendition.files)
    vod = m3u8.load(str(media_root / rendition.playlist))
    assert vod.playlist_type == "vod" and vod.is_endlist
    assert [s.discontinuity for s in vod.segments].count(True) == 1
    assert replay.poster is not None and default_storage.exists(replay.poster)
    frames, seconds = play(media_root, replay.master)
    assert abs(frames - 2 * SECONDS * FPS) <= 2
    assert seconds == pytest.approx(2 * SECONDS, abs=0.1)

    # Another session of the same stream never reuses a segment's name, even its file name.
    other = packager(tmp_path, "live/ch/s2")
    await feed_file(other, clip)
    await other.finish()
    media = {n for n in files if n.endswith((".m4s", ".mp4"))}
    assert not set(stored_under(media_root, "live/ch/s2")) & media


async def test_full_ladder_with_a_long_keyframe_interval(
    tmp_path: Path, media_root: Path, settings, order: StorageOrder, flv: Callable[..., Path]
) -> None:
    settings.LIVE_TRANSCODE_LADDER = True
    p = packager(tmp_path)
    await feed_file(p, flv("gop-4s", seconds=9, gop=4 * FPS))
    assert p.keyframe_warning  # the copy follows the source's 4 s keyframes: tell the streamer
    replay = await p.finish()
    assert not p.failed.is_set(), p.failure
    assert order.missing == []

    master = m3u8.loads(order.texts(f"{PREFIX}/live.m3u8")[0])
    variants = {v.uri: v.stream_info for v in master.playlists}
    assert set(variants) == {"live_360p.m3u8", "live_240p.m3u8"}
    assert variants["live_240p.m3u8"].resolution == (426, 240)
    for info in variants.values():
        assert info.frame_rate == FPS and info.bandwidth > info.average_bandwidth > 0
        assert info.codecs.endswith(",mp4a.40.2")

    copied = m3u8.loads(order.texts(f"{PREFIX}/live_360p.m3u8")[-1])
    encoded = m3u8.loads(order.texts(f"{PREFIX}/live_240p.m3u8")[-1])
    assert copied.target_duration == 4
    assert [s.duration for s in copied.segments][:2] == [4.0, 4.0]
    assert encoded.target_duration == 1
    assert all(s.duration == pytest.approx(1.0) for s in encoded.segments[:-1])

    assert replay is not None
    assert [(r.width, r.height) for r in replay.renditions] == [(640, 360), (426, 240)]
    for rendition in replay.renditions:
        frames, seconds = play(media_root, rendition.playlist)
        assert abs(frames - 9 * FPS) <= 2 and seconds == pytest.approx(9, abs=0.1)


@pytest.mark.parametrize(
    ("tracks", "codecs", "stream"),
    [({"video": False}, "mp4a.40.2", "a:0"), ({"audio": False}, "avc1.", "v:0")],
)
async def test_audio_only_and_video_only_streams(
    tmp_path: Path, media_root: Path, settings, order: StorageOrder, flv: Callable[..., Path],
    tracks: dict[str, bool], codecs: str, stream: str,
) -> None:  # fmt: skip
    settings.LIVE_MIN_REPLAY_SECONDS = 1
    settings.LIVE_TRANSCODE_LADDER = False
    p = packager(tmp_path)
    await feed_file(p, flv("-".join(tracks), seconds=3, **tracks))
    replay = await p.finish()
    assert not p.failed.is_set(), p.failure
    assert order.missing == []
    [variant] = m3u8.loads(order.texts(f"{PREFIX}/live.m3u8")[0]).playlists
    assert variant.stream_info.codecs.startswith(codecs) and "," not in variant.stream_info.codecs
    assert (variant.stream_info.resolution is None) == ("video" in tracks)
    assert replay is not None
    _, seconds = play(media_root, replay.master, stream)
    assert seconds == pytest.approx(3, abs=0.1)
    assert (replay.poster is None) == ("video" in tracks)


async def test_too_short_for_a_replay(tmp_path: Path, settings, flv: Callable[..., Path]) -> None:
    settings.LIVE_MIN_REPLAY_SECONDS = 5
    p = packager(tmp_path)
    await feed_file(p, flv("short", seconds=2))
    assert await p.finish() is None
    assert p.live_master is not None and default_storage.exists(p.live_master)
    assert not default_storage.exists(f"{PREFIX}/replay.m3u8")


async def test_a_dead_ffmpeg_sets_failed_and_keeps_what_was_recorded(
    tmp_path: Path, media_root: Path, settings, flv: Callable[..., Path]
) -> None:
    settings.LIVE_MIN_REPLAY_SECONDS = 1
    p = packager(tmp_path)
    failed_when_fed: list[bool] = []
    publishing = asyncio.create_task(
        feed_realtime(
            p,
            flv("copy-1s", seconds=SECONDS),
            on_chunk=lambda: failed_when_fed.append(p.failed.is_set()),
        )
    )
    await until(
        lambda: p.latest_segment is not None and p.latest_segment[1].endswith("_00001.m4s"),
        10,
        "two segments",
    )
    [ffmpeg] = [pid for pid in children(os.getpid()) if str(tmp_path / PREFIX) in command_line(pid)]
    os.kill(ffmpeg, signal.SIGKILL)
    await asyncio.wait_for(p.failed.wait(), 5)
    assert p.failure.startswith("Packaging stopped: ffmpeg was killed (signal 9).")
    # The publisher goes on sending; nothing is raised into it.
    await until(lambda: failed_when_fed.count(True) >= 3, 5, "bytes fed after the failure")
    assert not publishing.done()
    publishing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await publishing
    replay = await p.finish()
    assert replay is not None and 2 <= replay.duration < SECONDS
    frames, _ = play(media_root, replay.master)
    assert frames == round(replay.duration * FPS)


async def test_bytes_that_are_not_flv_fail_with_a_message(tmp_path: Path) -> None:
    p = packager(tmp_path)
    await p.feed(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert p.failed.is_set()
    assert p.failure == "The stream is not FLV video, as RTMP encoders send it."
    await p.feed(b"more")  # ignored, never raised
    assert await p.finish() is None
