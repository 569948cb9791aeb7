"""The local image model (NudeNet's ONNX detector, for real) on pictures that must not flag."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image, ImageDraw

from moderation import policy
from moderation.backends.local import ImageUnreadable, LocalClassifier

pytestmark = pytest.mark.database_free


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def landscape(width: int = 1280, height: int = 720) -> bytes:
    """Sky, sun, hills, a lake and a tree, drawn with PIL (at 720p, then resized)."""
    image = Image.new("RGB", (1280, 720), (110, 170, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((980, 60, 1140, 220), fill=(250, 215, 90))
    draw.polygon([(0, 520), (300, 300), (620, 520)], fill=(70, 120, 70))
    draw.polygon([(420, 520), (820, 260), (1280, 520)], fill=(60, 105, 60))
    draw.rectangle((0, 520, 1280, 720), fill=(80, 150, 80))
    draw.ellipse((700, 560, 1150, 690), fill=(60, 110, 180))
    draw.rectangle((200, 430, 225, 560), fill=(100, 70, 40))
    draw.ellipse((150, 340, 275, 460), fill=(40, 110, 40))
    return _jpeg(image.resize((width, height)))


def test_pattern(tmp_path: Path, source: str) -> bytes:
    """One 720p frame of an ffmpeg test source (colour bars, moving patterns)."""
    out = tmp_path / "frame.jpg"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
         "-i", f"{source}=size=1280x720:rate=1", "-frames:v", "1", str(out)],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


test_pattern.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def classifier() -> LocalClassifier:
    return LocalClassifier()


@pytest.mark.django_db
@pytest.mark.parametrize("source", ["testsrc2", "smptehdbars", "mandelbrot"])
def test_test_patterns_do_not_flag(
    classifier: LocalClassifier, tmp_path: Path, source: str
) -> None:
    labels = classifier.classify_image(test_pattern(tmp_path, source))
    assert not policy.decide(labels).acts, labels


@pytest.mark.django_db
@pytest.mark.parametrize("size", [(1280, 720), (320, 180), (720, 1280)])
def test_landscapes_do_not_flag(classifier: LocalClassifier, size: tuple[int, int]) -> None:
    labels = classifier.classify_image(landscape(*size))
    assert not policy.decide(labels).acts, labels


def test_pngs_and_pictures_with_alpha_are_read(classifier: LocalClassifier) -> None:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    assert classifier.classify_image(out.getvalue()) == []


@pytest.mark.parametrize(
    "data",
    [b"", b"not a picture at all", b"\xff\xd8\xff\xe0" + b"\x00" * 50],
    ids=["empty", "text", "truncated-jpeg"],
)
def test_unreadable_bytes_are_refused_clearly(classifier: LocalClassifier, data: bytes) -> None:
    with pytest.raises(ImageUnreadable, match="not a picture"):
        classifier.classify_image(data)


def test_a_decompression_bomb_is_refused_before_decoding(classifier: LocalClassifier) -> None:
    image = Image.new("1", (10_000, 10_000))  # 100 Mpx, a few KB as PNG
    out = io.BytesIO()
    image.save(out, "PNG")
    with pytest.raises(ImageUnreadable, match="too large"):
        classifier.classify_image(out.getvalue())


def test_the_vectorised_detector_selects_exactly_what_nudenet_does() -> None:
    # Random model outputs with hundreds of candidates over NudeNet's 0.2: the same boxes,
    # classes and scores after the same non-maximum suppression.
    import numpy as np
    from nudenet import nudenet

    from moderation.backends.nudity import postprocess

    rng = np.random.default_rng(7)
    for x_pad, y_pad, width, height in ((0, 560, 1280, 720), (560, 0, 720, 1280), (0, 0, 320, 320)):
        output = rng.random((1, 22, 2100)).astype(np.float32)
        output[0, :4] *= 320
        output[0, 4:] *= 0.35
        ours = postprocess([output], x_pad, y_pad, width, height, 320)
        theirs = nudenet._postprocess([output], x_pad, y_pad, 1, 1, width, height, 320, 320)
        assert len(ours) > 100 and ours == theirs


def test_the_detector_answers_as_nudenet_on_real_pictures(tmp_path: Path) -> None:
    from moderation.backends.local import decode_image
    from moderation.backends.nudity import NudityDetector

    detector = NudityDetector()
    for picture in (landscape(), test_pattern(tmp_path, "testsrc2")):
        pixels = decode_image(picture)
        assert detector.detect(pixels) == detector.reference(pixels)
