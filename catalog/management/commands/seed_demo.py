"""Generate demo videos (ffmpeg's lavfi sources) and music (drum loops) for a new install."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from catalog.models import Video
from catalog.music.demo import DEMO_TRACKS, seed_tracks
from catalog.services import video_create

DEMO_USERNAME = "demo"


@dataclass(frozen=True)
class DemoVideo:
    """One generated demo video: a lavfi picture, a tone, a length."""

    title: str
    description: str
    picture: str  # a lavfi filtergraph (endless: the output's -t cuts it)
    tone_hz: int
    seconds: int


DEMOS = (
    DemoVideo(
        title="Demo: test pattern",
        description="ffmpeg's testsrc2 pattern at 1280×720 with a 440 Hz tone.",
        picture="testsrc2=size=1280x720:rate=30",
        tone_hz=440,
        seconds=12,
    ),
    DemoVideo(
        title="Demo: colour bars",
        description="SMPTE HD colour bars at 1280×720 with a 1 kHz reference tone.",
        picture="smptehdbars=size=1280x720:rate=30",
        tone_hz=1000,
        seconds=10,
    ),
    DemoVideo(
        title="Demo: Game of Life (portrait)",
        description="Conway's Game of Life in a 720×1280 portrait frame, as a phone would film.",
        picture=(
            "life=size=360x640:rate=30:mold=10:ratio=0.2:death_color=#202040:"
            "life_color=#e0a030:mold_color=#402060,scale=720:1280:flags=neighbor"
        ),
        tone_hz=330,
        seconds=8,
    ),
)


def render(demo: DemoVideo, target: Path, *, seconds: int | None = None) -> Path:
    """Render one demo clip (H.264 + AAC in MP4) with ffmpeg's generated sources."""
    length = seconds or demo.seconds
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v", "error", "-y", "-nostdin",
        "-f", "lavfi", "-i", demo.picture,
        "-f", "lavfi", "-i", f"sine=frequency={demo.tone_hz}:sample_rate=48000",
        "-t", str(length),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k",
        "-movflags", "+faststart",
        str(target),
    ]  # fmt: skip
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    except subprocess.CalledProcessError as exc:
        tail = exc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise CommandError(f"ffmpeg could not render {demo.title!r}: {' '.join(tail)}") from exc
    return target


def demo_owner() -> User:
    """Return the demo user (no password: nobody signs in as it), creating it once."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=DEMO_USERNAME)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return user


class Command(BaseCommand):
    help = "Create the demo videos and music tracks (idempotent: existing ones are left alone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seconds", type=int, default=None, help="Length of every clip (default: 8–12 s)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Render and upload each demo video and music track that does not exist yet."""
        owner = demo_owner()
        self._videos(owner, options["seconds"])
        tracks = seed_tracks(owner, seconds=options["seconds"])
        for track in tracks:
            self.stdout.write(f"demo track created: {track.title} ({track.pk}), transcoding")
        if not tracks:
            self.stdout.write(f"demo tracks: {len(DEMO_TRACKS)} already there")

    def _videos(self, owner: User, seconds: int | None) -> None:
        existing = set(
            Video.objects.filter(
                owner=owner, kind=Video.Kind.UPLOAD, title__in=[d.title for d in DEMOS]
            ).values_list("title", flat=True)
        )
        missing = [demo for demo in DEMOS if demo.title not in existing]
        if not missing:
            self.stdout.write(f"demo videos: {len(DEMOS)} already there")
            return
        with tempfile.TemporaryDirectory(prefix="onair-demo-") as tmp:
            for demo in missing:
                path = render(demo, Path(tmp) / "demo.mp4", seconds=seconds)
                with path.open("rb") as fh:
                    upload = UploadedFile(
                        fh, name="demo.mp4", content_type="video/mp4", size=path.stat().st_size
                    )
                    video = video_create(
                        owner=owner, title=demo.title, file=upload, description=demo.description
                    )
                self.stdout.write(f"demo video created: {demo.title} ({video.pk}), transcoding")
