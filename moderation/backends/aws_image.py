"""Make a picture acceptable to Rekognition: JPEG or PNG, 5 MB of bytes, 80 px to 10 000 px."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

# Rekognition's set quotas for pictures sent as bytes (its "Guidelines and quotas" page;
# MAX_BYTES is also Image.Bytes' max in the service model). Larger pictures go through S3
# in the API, which we do not need: a downscaled copy classifies as well.
MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 80
MAX_SERVICE_SIDE = 10_000
# What a copy is scaled into: the models see far smaller pictures than this anyway.
MAX_SIDE = 4096
JPEG_QUALITY = 85
# Pillow warns above MAX_IMAGE_PIXELS (turned into an error here) and refuses twice that.
DECOMPRESSION_BOMB = (Image.DecompressionBombWarning, Image.DecompressionBombError)


class UnreadableImage(ValueError):
    """The bytes are not a picture Pillow can read, or it cannot be made to fit."""


def fit_for_rekognition(data: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """The picture itself if Rekognition takes it, else a JPEG copy that it takes.

    Only the header is read for a picture that fits. Other formats (WebP, GIF…) are
    converted; pictures too large in bytes or pixels are scaled down, tiny ones up (aspect
    kept, EXIF orientation applied).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))  # parses the header only
            width, height = opened.size
            if (
                opened.format in ("JPEG", "PNG")
                and len(data) <= max_bytes
                and min(width, height) >= MIN_SIDE
                and max(width, height) <= MAX_SERVICE_SIDE
            ):
                return data
            opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, cheaply
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, SyntaxError, *DECOMPRESSION_BOMB) as exc:
        raise UnreadableImage(f"the picture could not be read ({exc})") from exc
    if min(image.size) < MIN_SIDE:
        scale = MIN_SIDE / min(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=JPEG_QUALITY)
        if out.tell() <= max_bytes:
            return out.getvalue()
        # JPEG size grows with the area: shrink each side by 3/4 (the area by ~0.56) and retry.
        smaller = (image.width * 3 // 4, image.height * 3 // 4)
        if min(smaller) < MIN_SIDE:
            raise UnreadableImage(f"the picture does not fit in {max_bytes} bytes")
        image = image.resize(smaller)
