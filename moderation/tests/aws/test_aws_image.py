"""Pictures made acceptable to Rekognition: JPEG or PNG within its byte limit."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from moderation.backends.aws_image import UnreadableImage, fit_for_rekognition

pytestmark = pytest.mark.database_free


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noise(width: int, height: int) -> Image.Image:
    return Image.frombytes("RGB", (width, height), random.Random(1).randbytes(width * height * 3))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_small_jpeg_or_png_is_sent_as_it_is(fmt: str) -> None:
    data = encode(Image.new("RGB", (320, 180), "teal"), fmt)
    assert fit_for_rekognition(data) is data


def test_another_format_becomes_a_jpeg_of_the_same_size() -> None:
    data = encode(Image.new("RGBA", (320, 180), (200, 10, 10, 128)), "WEBP")
    fitted = fit_for_rekognition(data)
    with Image.open(io.BytesIO(fitted)) as image:
        assert (image.format, image.size) == ("JPEG", (320, 180))


def test_an_oversized_picture_shrinks_until_it_fits_keeping_its_aspect() -> None:
    data = encode(noise(800, 600), "PNG", compress_level=1)
    fitted = fit_for_rekognition(data, max_bytes=100_000)
    assert len(fitted) <= 100_000
    with Image.open(io.BytesIO(fitted)) as image:
        assert image.format == "JPEG"
        assert image.width < 800
        assert abs(image.width / image.height - 4 / 3) < 0.02


def test_exif_orientation_is_applied_before_the_copy() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    data = encode(noise(400, 200), "JPEG", exif=exif, quality=95)
    with Image.open(io.BytesIO(fit_for_rekognition(data, max_bytes=len(data) - 1))) as image:
        assert image.height > image.width


@pytest.mark.parametrize("data", [b"", b"not a picture at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 10])
def test_bytes_that_are_no_picture_are_refused_clearly(data: bytes) -> None:
    with pytest.raises(UnreadableImage, match="could not be read"):
        fit_for_rekognition(data)


def test_a_picture_below_80_pixels_is_scaled_up() -> None:
    fitted = fit_for_rekognition(encode(Image.new("RGB", (120, 40), "navy"), "PNG"))
    with Image.open(io.BytesIO(fitted)) as image:
        assert (image.format, image.size) == ("JPEG", (240, 80))


def test_a_picture_wider_than_10000_pixels_is_scaled_down() -> None:
    fitted = fit_for_rekognition(encode(Image.new("L", (12_000, 100), 128), "PNG"))
    with Image.open(io.BytesIO(fitted)) as image:
        assert image.size == (4096, 34)


def test_a_picture_that_cannot_get_small_enough_is_refused() -> None:
    with pytest.raises(UnreadableImage, match="does not fit in 1000 bytes"):
        fit_for_rekognition(encode(noise(400, 300), "PNG"), max_bytes=1000)


def test_a_decompression_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    data = encode(Image.new("RGB", (200, 200), "white"), "GIF")
    with pytest.raises(UnreadableImage, match="could not be read"):
        fit_for_rekognition(data)
