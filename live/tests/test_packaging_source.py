"""Learning the stream: the FLV scanner's keyframes and rate, and the PyAV probe."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from live.packaging.source import PROBE_SECONDS, FlvScanner, SourceError, probe
from live.tests.packaging import flv, flv_dir

__all__ = ["flv", "flv_dir"]  # fixtures

pytestmark = [pytest.mark.media, pytest.mark.database_free]


def scan(data: bytes, *, chunks: Callable[[], int] = lambda: 65536) -> FlvScanner:
    scanner = FlvScanner()
    at = 0
    while at < len(data):
        size = chunks()
        scanner.feed(data[at : at + size])
        at += size
    return scanner


def start(data: bytes) -> tuple[bytes, FlvScanner]:
    """Buffer the start of a stream the way the packager does, until there is enough."""
    scanner, at = FlvScanner(), 0
    while not scanner.enough_to_probe:
        scanner.feed(data[at : at + 4096])
        at += 4096
    return data[:at], scanner


def test_keyframes_and_rate_of_a_whole_stream(flv: Callable[..., Path]) -> None:
    path = flv("copy-1s", seconds=5)
    data = path.read_bytes()
    scanner = scan(data)
    # The sequence header and the end-of-sequence tag are marked "key" too: not counted.
    assert (scanner.keyframes, scanner.keyframe_interval) == (5, 1.0)
    assert scanner.span == pytest.approx(5, abs=0.05)
    # Over whole keyframe intervals, the rate is the file's own (header and tag overhead aside).
    assert scanner.bitrate == pytest.approx(len(data) * 8 / 5, rel=0.1)
    rng = random.Random(6)
    odd = scan(data, chunks=lambda: rng.randint(1, 97))  # tags split anywhere
    assert (odd.keyframes, odd.keyframe_interval, odd.bitrate) == (5, 1.0, scanner.bitrate)


def test_probe_reads_the_start_of_the_stream(flv: Callable[..., Path]) -> None:
    data, scanner = start(flv("copy-1s", seconds=5).read_bytes())
    assert scanner.keyframes == 2 and scanner.span < PROBE_SECONDS  # two keyframes came first
    info = probe(data, scanner)
    assert (info.width, info.height, info.fps) == (640, 360, 30.0)
    assert (info.video_codec, info.pixel_format, info.audio_codec, info.audio_profile) == (
        "h264",
        "yuv420p",
        "aac",
        "LC",
    )
    assert info.has_video and info.has_audio and info.keyframe_interval == 1.0
    assert info.bitrate == scanner.bitrate > 0


def test_a_long_keyframe_interval_is_probed_after_two_seconds(flv: Callable[..., Path]) -> None:
    data, scanner = start(flv("gop-4s", seconds=9, gop=120).read_bytes())
    assert scanner.keyframes == 1 and scanner.span >= PROBE_SECONDS
    assert probe(data, scanner).keyframe_interval is None  # not known yet
    assert scan(flv("gop-4s", seconds=9, gop=120).read_bytes()).keyframe_interval == 4.0


@pytest.mark.parametrize(
    ("tracks", "video", "audio"), [({"video": False}, False, True), ({"audio": False}, True, False)]
)
def test_one_track_streams(
    flv: Callable[..., Path], tracks: dict[str, bool], video: bool, audio: bool
) -> None:
    data, scanner = start(flv("-".join(tracks), seconds=3, **tracks).read_bytes())
    info = probe(data, scanner)
    assert (info.has_video, info.has_audio) == (video, audio)
    assert (info.video_codec, info.audio_codec) == ("h264" if video else "", "aac" if audio else "")
    assert info.width == (640 if video else 0)


def test_not_flv_is_refused() -> None:
    with pytest.raises(SourceError, match="not FLV"):
        FlvScanner().feed(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64)


def test_an_oversized_picture_is_refused(flv: Callable[..., Path], settings) -> None:
    settings.MEDIA_MAX_DIMENSION = 320
    data, scanner = start(flv("copy-1s", seconds=5).read_bytes())
    with pytest.raises(SourceError, match="640×360 pixels; up to 320"):
        probe(data, scanner)


def test_garbage_after_an_flv_header_is_refused() -> None:
    header = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"
    junk = random.Random(1).randbytes(50_000)
    scanner = FlvScanner()
    scanner.feed(header + junk)  # tag headers are only read, never trusted for memory
    with pytest.raises(SourceError, match=r"not valid FLV|neither video nor sound"):
        probe(header + junk, scanner)
