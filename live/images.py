"""Channel images (the avatar and the offline image): checked, re-encoded, stored by random name.

Nothing is stored as the client sent it. The bytes must open as JPEG, PNG or WebP (by their
content, never their name), pass Pillow's ``verify``, have sane dimensions (checked from the
header, before a single pixel is decoded, so a 40000 × 40000 "bomb" costs nothing), and
decode; then the picture is drawn again into a fresh file of the same format, scaled down to
what the pages show. That drops what a file may carry besides its picture (EXIF with the
place a photo was taken, HTML or script appended to a polyglot) and bounds what viewers
download. Names are random and never reused, so their URLs are immutable.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from catalog.ids import new_public_id
from common.units import human_bytes
from config.body_limits import BodyLimit
from live.errors import InvalidImage

log = logging.getLogger(__name__)

# Pillow format name → the stored file's extension (which gives its Content-Type).
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_SIDE = 8192
MAX_PIXELS = 36_000_000  # a 6000 × 6000 picture decodes into about 140 MB at most
# The largest each image is shown at (CSS pixels × 2 for sharp screens); larger ones are
# scaled down when stored.
BOUNDS = {"avatar": (512, 512), "offline_image": (1920, 1080)}
LABELS = {"avatar": "avatar", "offline_image": "offline image"}
NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image, or it is damaged."


@dataclass(frozen=True)
class CheckedImage:
    """An image that passed every check, re-encoded and ready to store."""

    kind: str  # "avatar" or "offline_image"
    data: bytes
    extension: str
    width: int
    height: int


def _refuse(kind: str, message: str) -> InvalidImage:
    return InvalidImage(message, field=kind)


def _read(file: IO[Any], kind: str) -> bytes:
    """Read the file whole, refusing it unread when its declared size is over the limit."""
    limit = settings.LIVE_IMAGE_MAX_BYTES
    too_big = f"The {LABELS[kind]} may be up to {human_bytes(limit)}"
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _refuse(kind, f"{too_big}; this file is {human_bytes(size)}.")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)  # never more than one byte past the limit
    if isinstance(data, str):
        raise _refuse(kind, NOT_AN_IMAGE)
    if len(data) > limit:
        raise _refuse(kind, f"{too_big}.")
    if not data:
        raise _refuse(kind, "The file is empty; choose a JPEG, PNG or WebP image.")
    return bytes(data)


def _check_size(kind: str, width: int, height: int) -> None:
    if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE:
        raise _refuse(
            kind,
            f"The image is {width} × {height} pixels; each side may be up to {MAX_SIDE}.",
        )
    if width * height > MAX_PIXELS:
        raise _refuse(
            kind,
            f"The image is {width} × {height} pixels; at most {MAX_PIXELS // 1_000_000} "
            "megapixels are allowed.",
        )


def _reencode(image: Image.Image, fmt: str, kind: str) -> Image.Image:
    """Return the picture upright, scaled into its bounds, in a mode its format can store."""
    image = ImageOps.exif_transpose(image)  # phones store "rotate me" in EXIF, dropped below
    if fmt == "JPEG":
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")  # palettes, 16-bit, CMYK: a mode that scales smoothly
    image.thumbnail(BOUNDS[kind], Image.Resampling.LANCZOS)
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    # No exif= and no pnginfo=: the new file carries the picture and nothing else.
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=88, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def check(file: IO[Any], *, kind: str) -> CheckedImage:
    """Return the file as a checked, re-encoded image, or raise InvalidImage saying why."""
    if kind not in BOUNDS:
        raise ValueError(f"unknown channel image {kind!r}")
    data = _read(file, kind)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit; ours is lower anyway.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                fmt = str(probe.format)
                _check_size(kind, *probe.size)  # from the header: nothing decoded yet
                probe.verify()  # checksums and structure (verify leaves the image unusable)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                image.draft("RGB", BOUNDS[kind])  # JPEG decodes at a reduced scale: less memory
                image.load()
                picture = _reencode(image, fmt, kind)
                encoded = _encode(picture, fmt)
    except InvalidImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            kind,
            f"The image has too many pixels; at most {MAX_PIXELS // 1_000_000} "
            "megapixels are allowed.",
        ) from None
    except Exception as exc:  # Pillow raises many kinds (OSError, SyntaxError, struct.error…)
        log.info("refused a channel %s: %s: %s", kind, type(exc).__name__, exc)
        raise _refuse(kind, NOT_AN_IMAGE) from None
    return CheckedImage(kind, encoded, FORMATS[fmt], picture.width, picture.height)


def prefix(channel_id: str) -> str:
    """Return the storage folder of a channel's images."""
    return f"channels/{channel_id}/images"


def store(*, channel_id: str, image: CheckedImage) -> str:
    """Save a checked image under a new random name and return its storage name."""
    name = f"{prefix(channel_id)}/{image.kind}-{new_public_id()}.{image.extension}"
    return default_storage.save(name, ContentFile(image.data))


@dataclass(frozen=True)
class ImagesBodyLimit(BodyLimit):
    """The body of a form that may carry both channel images (config/body_limits.py)."""

    images: int = len(BOUNDS)

    def allowed(self) -> int | None:
        one = super().allowed()
        return None if one is None else one * self.images


# Room besides the images: the text fields (a 2 000-character description at most) and parts.
BODY_LIMIT = ImagesBodyLimit("upload", "LIVE_IMAGE_MAX_BYTES", envelope=64 * 1024)
