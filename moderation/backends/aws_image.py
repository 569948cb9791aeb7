"""Make a picture acceptable to Rekognition: JPEG or PNG, at most 5 MB of bytes."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

# Image.Bytes in the Rekognition service model (max 5242880); larger pictures go through S3
# in the API, which we do not need: a downscaled copy classifies as well.
MAX_BYTES = 5 * 1024 * 1024
# Rekognition works on pictures far smaller than this; decoding a huge one costs memory only.
MAX_SIDE = 4096
JPEG_QUALITY = 85
# Pillow warns above MAX_IMAGE_PIXELS (turned into an error here) and refuses twice that.
DECOMPRESSION_BOMB = (Image.DecompressionBombWarning, Image.DecompressionBombError)


class UnreadableImage(ValueError):
    """The bytes are not a picture Pillow can read."""


def _is_jpeg_or_png(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))


def fit_for_rekognition(data: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """The picture itself if Rekognition takes it, else a JPEG copy small enough for it.

    Other formats (WebP, GIF…) are converted; oversized pictures are scaled down (aspect
    kept, EXIF orientation applied) until the JPEG fits in ``max_bytes``.
    """
    if len(data) <= max_bytes and _is_jpeg_or_png(data):
        return data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, cheaply
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, SyntaxError, *DECOMPRESSION_BOMB) as exc:
        raise UnreadableImage(f"the picture could not be read ({exc})") from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=JPEG_QUALITY)
        if out.tell() <= max_bytes:
            return out.getvalue()
        if image.width == 1 and image.height == 1:
            raise UnreadableImage(f"the picture does not fit in {max_bytes} bytes")
        # JPEG size grows with the area: shrink each side by 3/4 (the area by ~0.56) and retry.
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)))
