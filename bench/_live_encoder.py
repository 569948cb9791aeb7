"""The live_latency benchmark's encoder: ffmpeg publishing 720p30 over RTMP as OBS would, and
the clock its frames follow, to check the program date times against.

The latency figures trust EXT-X-PROGRAM-DATE-TIME: ours is stamped at the ingest when the
stream's first byte arrives, ffmpeg's by its HLS muxer when it starts. Both assume the first
frame was captured at that moment. The encoder reports, several times a second, the media
time it has muxed (``-progress``); read with this machine's clock, that gives the wall time
at which media time 0 was captured (less the encoder's own delay of a few milliseconds),
independent of either stamp.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from _live_stack import BenchError, Child, start
from _sources import FFMPEG

SIZE, FPS = "1280x720", 30
VIDEO_BITRATE = "2500k"
BASELINE_PLAYLIST = "index.m3u8"
PROGRESS_SECONDS = 0.1
# ``-re`` alone sends the first 0.5 s at once (ffmpeg's -readrate_initial_burst), making the
# stream half a second "older" than the wall clock says, which no camera does. 0 means "the
# default" to this ffmpeg, so: a millisecond.
REALTIME = ["-re", "-readrate_initial_burst", "0.001"]


@dataclass
class Encoder:
    """The running encoder and (wall time - muxed media time) from each progress report."""

    child: Child
    offsets: list[float] = field(default_factory=list)

    def capture_anchor(self) -> float:
        """Return the wall time of media time 0 by the encoder's clock.

        A report comes after the media it counts was muxed, never before, so the smallest
        offset is the closest to the truth; the 5th percentile keeps one odd report out.
        """
        if len(self.offsets) < 2:
            raise BenchError("the encoder reported no progress")
        return statistics.quantiles(self.offsets, n=20)[0]


def _follow(stream: IO[bytes], offsets: list[float]) -> None:
    """Note (arrival time - media time) for each progress report, until the pipe closes."""
    for line in stream:
        if line.startswith(b"out_time_us=") and not line.endswith(b"N/A\n"):
            with contextlib.suppress(ValueError):
                offsets.append(time.time() - int(line.split(b"=", 1)[1]) / 1e6)


def _encode() -> list[str]:
    """Encode as OBS does for a 720p30 stream: x264 veryfast zerolatency, CBR, 1 s keyframes.

    Both encoders make the same stream (checked: identical decoded frames). That needs one
    x264 thread (threaded x264 is not bit-exact from one encode to the next) and the codec
    headers out of band for both, as FLV has them (rate control counts the bytes of headers
    repeated in band); the MPEG-TS muxer puts them back before each keyframe.
    """
    return [
        "-map", "0:v", "-map", "1:a",
        "-c:v", "libx264", "-threads:v", "1", "-preset", "veryfast", "-tune", "zerolatency",
        "-pix_fmt", "yuv420p",
        "-g", str(FPS), "-keyint_min", str(FPS), "-sc_threshold", "0",
        "-b:v", VIDEO_BITRATE, "-maxrate", VIDEO_BITRATE, "-bufsize", VIDEO_BITRATE,
        "-c:a", "aac", "-b:a", "128k", "-flags:v", "+global_header",
    ]  # fmt: skip


def publish(
    stack: contextlib.ExitStack, url: str, baseline_dir: Path, folder: Path, name: str
) -> Encoder:
    """Publish 720p30 to ``url``, and the same frames as ffmpeg's HLS into ``baseline_dir``.

    Two outputs of one ffmpeg: FLV over RTMP to our ingest, and ffmpeg's HLS with its
    defaults (2 s segments, a list of 5, MPEG-TS) plus program date times from the wall
    clock. Each has its own encoder with the same settings and the same bitstream out (see
    ``_encode``). Not the ``tee`` muxer, which would share one encode: it connects
    to the ingest only once the first frames are encoded, and the frames made meanwhile
    would reach the ingest late, so that its "first byte" program date time came ~0.2 s
    after their capture. ffmpeg opens a plain RTMP output before it reads any input: the
    first frame is made once the ingest has accepted the stream, as OBS does.
    """
    baseline_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin",
        "-stats_period", str(PROGRESS_SECONDS), "-progress", "pipe:1",
        *REALTIME, "-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate={FPS}",
        *REALTIME, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        *_encode(), "-f", "flv", url,
        *_encode(), "-f", "hls", "-hls_flags", "program_date_time",
        str(baseline_dir / BASELINE_PLAYLIST),
    ]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    log = folder / f"encoder-{name}.log"
    child = start(stack, "the encoder", cmd, env=env, log=log, pipe_stdout=True)
    encoder = Encoder(child)
    assert child.process.stdout is not None
    threading.Thread(
        target=_follow, args=(child.process.stdout, encoder.offsets), daemon=True
    ).start()
    return encoder


def pdt_anchor(playlist: str) -> float:
    """Return the wall time a live playlist gives media time 0: its first program date time
    less the segments before it (taken to be as long as its first; ours and ffmpeg's are)."""
    lines = playlist.splitlines()

    def first(tag: str, default: str | None = None) -> str:
        found = (line.partition(":")[2] for line in lines if line.startswith(tag))
        value = next(found, default)
        if value is None:
            raise BenchError(f"no {tag} in a live playlist:\n{playlist}")
        return value

    stamp = datetime.fromisoformat(first("#EXT-X-PROGRAM-DATE-TIME:")).timestamp()
    duration = float(first("#EXTINF:").split(",")[0])
    return stamp - int(first("#EXT-X-MEDIA-SEQUENCE:", "0")) * duration
