"""Grab a still from a stored live segment: the channel's thumbnail, the replay's poster."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from catalog.storage import overwrite
from catalog.transcoding.backends.ffmpeg import ffmpeg_exe
from catalog.transcoding.command import input_args
from catalog.transcoding.process import Limits, run_ffmpeg

WIDTH = 480  # channel cards show it small; never upscaled
# Decoding one frame takes a fraction of a second; a segment that needs more is not one of ours.
CPU_SECONDS = 20


class CaptureError(RuntimeError):
    """No picture could be taken from the segment (for the logs, not for a user)."""


def capture(*, init_name: str, segment_name: str, target_name: str) -> str:
    """Save the segment's first frame (a keyframe) as a JPEG under ``target_name``.

    An fMP4 init segment followed by one media segment is a playable MP4, so both are
    read from storage into one local file for ffmpeg.
    """
    with tempfile.TemporaryDirectory(prefix="onair-thumb-") as tmp:
        source = Path(tmp) / "segment.mp4"
        with source.open("wb") as out:
            for name in (init_name, segment_name):
                with default_storage.open(name, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1024 * 1024)
        image = Path(tmp) / "still.jpg"
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "warning", "-y",
            *input_args(source, "mov"), "-map", "0:V:0",
            "-vf", f"scale='min({WIDTH},iw)':-2:flags=bicubic,setsar=1,format=yuvj420p",
            "-frames:v", "1", "-q:v", "4", "-update", "1", str(image),
        ]  # fmt: skip
        limits = Limits(
            cpu_seconds=CPU_SECONDS, memory_bytes=settings.TRANSCODE_MEMORY_MB * 1024**2
        )
        run = run_ffmpeg(cmd, log_path=Path(tmp) / "ffmpeg.log", limits=limits)
        if not run.ok or not image.is_file() or image.stat().st_size == 0:
            raise CaptureError(
                f"no still from {segment_name} (exit {run.returncode}): {run.log_tail}"
            )
        overwrite(target_name, image)
    return target_name
