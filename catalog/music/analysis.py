"""What the worker learns about a track besides its HLS: tags, loudness and tempo.

None of it may fail the upload: a track whose loudness or tempo cannot be measured is
published without them (``bpm = null`` with a note saying why). Only what the heartbeat
raises (the lease lost, the job's time up) stops the work.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import av.error
from django.conf import settings

from catalog.music import tempo as tempo_module
from catalog.music.tempo import SAMPLE_RATE, Tempo
from catalog.transcoding.command import input_args
from catalog.transcoding.probe import OPEN_OPTIONS, MediaInfo
from catalog.transcoding.process import Limits, run_ffmpeg

log = logging.getLogger(__name__)

TAG_MAX_CHARS = 200
# ffmpeg's ebur128 summary: "Integrated loudness:\n    I:  -14.2 LUFS" (the last one wins).
INTEGRATED = re.compile(r"I:\s+(-?\d+(?:\.\d+)?|-?inf)\s+LUFS")
TEMPO_FAILED = "The tempo could not be measured."
SILENCE_LUFS = -70.0
# The job's heartbeat: called with None it renews the lease and keeps the progress shown.
Beat = Callable[[float | None], None]


class _TimeUp(Exception):
    """The tempo analysis ran past its time bound."""


@dataclass(frozen=True)
class MusicFacts:
    """Tags (empty when absent), integrated loudness in LUFS and the tempo estimate."""

    tags: dict[str, str] = field(default_factory=dict)
    loudness: float | None = None
    tempo: Tempo = field(default_factory=lambda: Tempo(None, None, TEMPO_FAILED))


def _clean(value: Any) -> str:
    text = str(value).replace("\x00", " ").strip()
    return " ".join(text.split())[:TAG_MAX_CHARS]


def read_tags(source: Path) -> dict[str, str]:
    """Read title, artist and album from ID3, Vorbis comments or MP4 atoms (via PyAV)."""
    wanted = {"title": "title", "artist": "artist", "album": "album", "album_artist": "artist"}
    found: dict[str, str] = {}
    try:
        with av.open(str(source), container_options=OPEN_OPTIONS) as container:
            sources = [container.metadata]
            # Ogg and Opus keep their Vorbis comments on the stream, not the container.
            sources += [s.metadata for s in container.streams.audio[:1]]
            for metadata in sources:
                for key, value in metadata.items():
                    name = wanted.get(key.lower())
                    text = _clean(value)
                    if name and text and name not in found:
                        found[name] = text
    except (av.error.FFmpegError, UnicodeDecodeError, OSError):
        log.warning("could not read the tags of %s", source, exc_info=True)
    return found


def loudness_and_pcm(
    *, ffmpeg: str, source: Path, info: MediaInfo, pcm: Path, log_path: Path,
    on_progress: Beat,
) -> float | None:  # fmt: skip
    """Decode once: measure EBU R128 loudness of the whole track, write the tempo excerpt.

    The excerpt (mono float32 at the analysis rate) starts a little way in, past most
    intros, and lasts at most ``MUSIC_TEMPO_EXCERPT_SECONDS``.
    """
    start = min(30.0, info.duration / 10)
    cmd = [ffmpeg, "-hide_banner", "-nostats", "-loglevel", "info", "-y"]
    cmd += ["-progress", "pipe:1", *input_args(source, info.demuxer)]
    cmd += ["-map", "0:a:0", "-af", "ebur128=framelog=verbose:peak=none", "-f", "null", "-"]
    cmd += ["-map", "0:a:0", "-ss", f"{start:.3f}", "-t", str(settings.MUSIC_TEMPO_EXCERPT_SECONDS)]
    cmd += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", str(pcm)]
    limits = Limits(
        cpu_seconds=int(settings.TRANSCODE_CPU_SECONDS + info.duration),
        memory_bytes=settings.TRANSCODE_MEMORY_MB * 1024**2,
    )
    log_path.write_bytes(b"")
    run = run_ffmpeg(
        cmd, log_path=log_path, duration=info.duration, on_progress=on_progress, limits=limits
    )
    if not run.ok:
        log.warning("loudness measurement failed: %s", run.log_tail)
        return None
    matches = INTEGRATED.findall(log_path.read_text(errors="replace"))
    if not matches or "inf" in matches[-1]:
        return None
    value = float(matches[-1])
    # −70 LUFS is the measurement's floor (all of it gated away): silence has no loudness
    # a player could level to, and levelling to it would turn the next track's gain way up.
    return value if value > SILENCE_LUFS else None


def measure_tempo(pcm: Path, work: Path, on_progress: Beat) -> Tempo:
    """Run the tempo estimate in a child process, stopped at ``MUSIC_TEMPO_TIMEOUT_SECONDS``.

    A child process, because librosa's work cannot be interrupted from inside: killing
    the child is the only bound that always holds (and a crash there stays there).
    """
    if not pcm.exists() or pcm.stat().st_size == 0:
        return Tempo(None, None, "The track has no sound to measure a tempo from.")
    bound = settings.MUSIC_TEMPO_TIMEOUT_SECONDS
    deadline = time.monotonic() + bound
    result = work / "tempo.json"

    def tick(_percent: float) -> None:
        on_progress(None)  # the job's heartbeat: may raise LeaseLost or TimedOut
        if time.monotonic() > deadline:
            raise _TimeUp

    # -I: isolated, so the script's own folder (catalog/music, whose selectors.py would
    # shadow the standard library's) is not put on the import path.
    cmd = [sys.executable, "-I", tempo_module.__file__, str(pcm), str(result)]
    limits = Limits(memory_bytes=settings.TRANSCODE_MEMORY_MB * 1024**2)
    # numba (under librosa) compiles on first use, ~30 s, and caches the result beside
    # librosa or, where that is read-only, in the user's ~/.cache/numba: later runs load it.
    try:
        run = run_ffmpeg(cmd, log_path=work / "tempo.log", on_progress=tick, limits=limits)
    except _TimeUp:
        return Tempo(None, None, f"Measuring the tempo took longer than {bound} s and was stopped.")
    if not run.ok or not result.exists():
        log.warning("tempo analysis failed: %s", run.log_tail)
        return Tempo(None, None, TEMPO_FAILED)
    data = json.loads(result.read_text())
    return Tempo(data["bpm"], data["confidence"], data["note"])


def analyse(
    *, ffmpeg: str, source: Path, info: MediaInfo, work: Path, on_progress: Beat
) -> MusicFacts:
    """Read the tags, measure loudness and tempo; never fail the track for them."""
    tags = read_tags(source)
    pcm = work / "tempo.f32"
    loudness = loudness_and_pcm(
        ffmpeg=ffmpeg, source=source, info=info, pcm=pcm, log_path=work / "loudness.log",
        on_progress=lambda _percent: on_progress(None),
    )  # fmt: skip
    return MusicFacts(tags, loudness, measure_tempo(pcm, work, on_progress))
