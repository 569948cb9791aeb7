"""Demo music for a new install: synthesised drum loops at tempi a runner would pick."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile

from accounts.models import User
from catalog.models import Video
from catalog.music.services import track_create
from catalog.music.synth import drum_loop, wav_bytes
from catalog.transcoding.backends.ffmpeg import ffmpeg_exe

ARTIST = "Onair demo drums"
ALBUM = "Tempo tests"


@dataclass(frozen=True)
class DemoTrack:
    title: str
    bpm: float
    seconds: int


DEMO_TRACKS = (
    DemoTrack("Demo: easy jog (85 BPM)", 85, 40),  # half time of a 170 steps/min cadence
    DemoTrack("Demo: warm-up (120 BPM)", 120, 40),
    DemoTrack("Demo: tempo run (150 BPM)", 150, 40),
    DemoTrack("Demo: race pace (170 BPM)", 170, 40),
    DemoTrack("Demo: sprint (180 BPM)", 180, 30),
)


def render(demo: DemoTrack, target: Path, *, seconds: int | None = None) -> Path:
    """Write the drum loop as an MP3 whose ID3 tags carry its title, artist and album."""
    wav = target.with_suffix(".wav")
    wav.write_bytes(wav_bytes(drum_loop(demo.bpm, seconds or demo.seconds)))
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-nostdin", "-i", str(wav)]
    cmd += ["-c:a", "libmp3lame", "-b:a", "128k", "-metadata", f"title={demo.title}"]
    cmd += ["-metadata", f"artist={ARTIST}", "-metadata", f"album={ALBUM}", str(target)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return target


def missing_tracks(owner: User) -> list[DemoTrack]:
    """Return the demo tracks the owner does not have yet."""
    titles = [d.title for d in DEMO_TRACKS]
    existing = set(
        Video.objects.filter(owner=owner, kind=Video.Kind.TRACK, title__in=titles).values_list(
            "title", flat=True
        )
    )
    return [demo for demo in DEMO_TRACKS if demo.title not in existing]


def seed_tracks(owner: User, *, seconds: int | None = None) -> list[Video]:
    """Create the missing demo tracks (their title, artist and album come from the tags)."""
    created = []
    with tempfile.TemporaryDirectory(prefix="onair-demo-music-") as tmp:
        for demo in missing_tracks(owner):
            path = render(demo, Path(tmp) / "demo.mp3", seconds=seconds)
            with path.open("rb") as fh:
                upload = UploadedFile(
                    fh, name="demo.mp3", content_type="audio/mpeg", size=path.stat().st_size
                )
                created.append(track_create(owner=owner, file=upload, title=demo.title))
    return created
