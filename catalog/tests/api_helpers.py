"""Build videos as rows (and, when asked, small output files) for API and media tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from catalog.models import Rendition, Video

MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"\n'
    "360/index.m3u8\n"
)


def make_video(
    owner: User,
    title: str = "A video",
    *,
    status: str = Video.Status.READY,
    visibility: str = Video.Visibility.PUBLIC,
    files: bool = False,
    **fields: Any,
) -> Video:
    """Create a video row; a ready one gets outputs and a 360 + 240 ladder."""
    video = Video.objects.create(
        owner=owner, title=title, status=status, visibility=visibility, **fields
    )
    if status == Video.Status.READY:
        prefix = f"videos/{video.pk}/out/a1"
        video.output_prefix = prefix
        video.hls_path = f"{prefix}/master.m3u8"
        video.poster_path = f"{prefix}/poster.jpg"
        video.sprite_vtt_path = f"{prefix}/sprite.vtt"
        video.duration = video.duration or 2.0
        video.save()
        for height, width, bitrate in ((360, 640, 900_000), (240, 426, 500_000)):
            Rendition.objects.create(
                video=video,
                height=height,
                width=width,
                bitrate=bitrate,
                codecs="avc1.64001e,mp4a.40.2",
                playlist_path=f"{prefix}/{height}/index.m3u8",
            )
        if files:
            write(video.hls_path, MASTER.encode())
            write(video.poster_path, b"\xff\xd8\xff jpeg")
            write(f"{prefix}/360/seg-00001.m4s", bytes(range(256)) * 40)
    return video


def write(name: str, data: bytes) -> str:
    """Save ``data`` under exactly ``name`` in default storage."""
    return default_storage.save(name, ContentFile(data))


def stored_files(root: Path) -> list[str]:
    """List every file under a local MEDIA_ROOT (to prove refused uploads leave none)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(name: str = "clip.mp4", data: bytes = b"not really a video" * 10) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")
