"""Helpers of the live tests: channels and sessions as the services and the ingest leave them,
and images (good and hostile) for the channel forms."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from live import services
from live.models import Channel, LiveSession


def create_channel(
    owner: User, slug: str = "alice-live", title: str = "Alice live", **kw: Any
) -> Channel:
    """Create a channel through the service (stream key, streamer role), then set ``kw``."""
    channel = services.channel_create(owner=owner, slug=slug, title=title)
    if kw:
        Channel.objects.filter(pk=channel.pk).update(**kw)
        channel.refresh_from_db()
    return channel


def open_session(channel: Channel, health: dict[str, Any] | None = None) -> LiveSession:
    """Open a session as the ingest would: live, with a live playlist and health figures."""
    session = LiveSession.objects.create(
        channel=channel,
        output_prefix=f"live/{channel.pk}/s1",
        hls_path=f"live/{channel.pk}/s1/master.m3u8",
        health=health or {},
    )
    Channel.objects.filter(pk=channel.pk).update(is_live=True, current_session=session)
    channel.refresh_from_db()
    return session


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), **save: Any) -> bytes:
    """Draw a small picture and encode it."""
    picture = Image.new("RGB", size, (200, 40, 90))
    out = io.BytesIO()
    picture.save(out, format=fmt, **save)
    return out.getvalue()


def image_upload(
    name: str = "avatar.png", data: bytes | None = None, content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = 40_000) -> bytes:
    """A real decompression bomb: a valid 1-bit PNG of side × side pixels, all black.

    200 MB of pixel rows squeeze into about 200 KB; decoded to RGB they would take 4.8 GB.
    """
    row = b"\x00" * (1 + side // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )
