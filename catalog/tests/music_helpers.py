"""Songs for the music tests: synthesised drum loops encoded by ffmpeg, with tags."""

from __future__ import annotations

import subprocess
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from catalog import services
from catalog.models import Video
from catalog.music import services as music_services
from catalog.music.synth import drum_loop, wav_bytes
from conftest import FFMPEG

CODECS = {
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    ".m4a": ["-c:a", "aac", "-b:a", "128k"],
    ".flac": ["-c:a", "flac"],
    ".ogg": ["-c:a", "libopus", "-b:a", "96k"],
    ".opus": ["-c:a", "libopus", "-b:a", "96k"],
    ".wav": ["-c:a", "pcm_s16le"],
}


def make_song(path: Path, bpm: float, seconds: float = 12, **tags: str) -> Path:
    """Write a drum loop at ``bpm`` in the format of ``path``'s suffix, with ``tags``."""
    if path.exists():
        return path
    wav = path.with_name(path.stem + "-source.wav")
    wav.write_bytes(wav_bytes(drum_loop(bpm, seconds)))
    meta = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
    cmd = [FFMPEG, "-v", "error", "-y", "-i", str(wav), *CODECS[path.suffix], *meta, str(path)]
    subprocess.run(cmd, check=True, timeout=60)
    return path


def create_track(owner: User, path: Path, name: str | None = None, **fields: str) -> Video:
    """Upload a file as a track through the service without queueing its task."""
    upload = SimpleUploadedFile(name or path.name, path.read_bytes())
    with mock.patch.object(services, "async_task"):
        return music_services.track_create(owner=owner, file=upload, **fields)
