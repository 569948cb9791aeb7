"""Channel images: real pictures are re-encoded and bounded; hostile files leave nothing behind."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.tests.api_helpers import stored_files
from config import body_limits
from live import images, services
from live.errors import InvalidImage
from live.models import Channel
from live.tests.factories import image_bytes, image_upload, png_bomb

pytestmark = pytest.mark.django_db


def stored_picture(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as fh:
        picture = Image.open(io.BytesIO(fh.read()))
        picture.load()
    return picture


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_each_format_is_stored_as_itself_under_a_random_name(
    channel: Channel, fmt: str, extension: str
) -> None:
    upload = image_upload("whatever.gif", image_bytes(fmt), "text/html")  # names lie; bytes don't
    services.channel_update(channel=channel, avatar=upload)
    channel.refresh_from_db()
    name = channel.avatar.name
    assert name.startswith(f"channels/{channel.pk}/images/avatar-") and name.endswith(extension)
    assert "whatever" not in name
    assert stored_picture(name).format == fmt
    # A second upload of the same picture gets a new name: URLs never change under a viewer.
    services.channel_update(channel=channel, avatar=image_upload(data=image_bytes(fmt)))
    channel.refresh_from_db()
    assert channel.avatar.name != name


@pytest.mark.parametrize(("kind", "bounds"), list(images.BOUNDS.items()))
def test_large_pictures_are_scaled_into_their_bounds(kind: str, bounds: tuple[int, int]) -> None:
    checked = images.check(image_upload(data=image_bytes("JPEG", (4000, 3000))), kind=kind)
    assert checked.width <= bounds[0] and checked.height <= bounds[1]
    assert max(checked.width / bounds[0], checked.height / bounds[1]) == pytest.approx(1, abs=0.01)
    assert abs(checked.width / checked.height - 4 / 3) < 0.01  # the aspect is kept


def test_metadata_is_dropped_and_rotation_applied() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude: where the photo was taken
    data = image_bytes("JPEG", (80, 40), exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif()  # the input carries it
    checked = images.check(image_upload(data=data), kind="offline_image")
    stored = Image.open(io.BytesIO(checked.data))
    assert not stored.getexif()
    assert stored.size == (40, 80)  # upright, as phones show it


def test_a_polyglot_keeps_only_its_picture() -> None:
    script = b"<script>alert(document.cookie)</script>"
    checked = images.check(image_upload(data=image_bytes("PNG") + script), kind="avatar")
    assert script not in checked.data


BIG = 10 * 1024 * 1024
SQUARE_OVER_PIXELS = int(images.MAX_PIXELS**0.5) + 1  # within MAX_SIDE, over MAX_PIXELS
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "html named .png": (
        lambda: b"<!doctype html><html><script>alert(1)</script></html>",
        images.NOT_AN_IMAGE,
    ),
    "truncated png": (lambda: image_bytes("PNG", (300, 200))[:300], images.NOT_AN_IMAGE),
    "png bomb": (png_bomb, "too many pixels"),
    "10 MB": (lambda: image_bytes("PNG")[:100] + b"\x00" * BIG, "this file is 10.0 MB"),
    "gif": (lambda: image_bytes("GIF"), images.NOT_AN_IMAGE),
    "svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>', images.NOT_AN_IMAGE),
    "empty": (lambda: b"", "The file is empty"),
    "a side too long": (
        lambda: image_bytes("PNG", (images.MAX_SIDE + 1, 4)),
        f"each side may be up to {images.MAX_SIDE}",
    ),
    "too many pixels": (
        lambda: image_bytes("PNG", (SQUARE_OVER_PIXELS, SQUARE_OVER_PIXELS)),
        f"at most {images.MAX_PIXELS // 1_000_000} megapixels",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_are_refused_and_leave_no_file_or_change(
    case: str,
    channel: Channel,
    media_root: Path,
    channel_rows: Callable[[], list[tuple[Any, ...]]],
) -> None:
    make, message = HOSTILE[case]
    services.channel_update(channel=channel, avatar=image_upload(data=image_bytes()))
    before, files = channel_rows(), stored_files(media_root)
    hostile = SimpleUploadedFile("evil.png", make(), "image/png")
    with pytest.raises(InvalidImage) as refused:
        services.channel_update(
            channel=channel, title="Changed", offline_image=image_upload(), avatar=hostile
        )
    assert message in str(refused.value)
    assert refused.value.field == "avatar"
    assert channel_rows() == before  # not even the valid title or the valid offline image
    assert stored_files(media_root) == files


def test_a_file_read_past_its_declared_size_is_still_cut_off(settings: Any) -> None:
    settings.LIVE_IMAGE_MAX_BYTES = 1000

    class Lying(io.BytesIO):
        size = 10  # a stream that claims less than it holds

    with pytest.raises(InvalidImage, match="may be up to"):
        images.check(Lying(image_bytes("PNG", (400, 400))), kind="avatar")


def test_the_body_limit_allows_both_images() -> None:
    assert images.BODY_LIMIT.allowed() == 2 * images.settings.LIVE_IMAGE_MAX_BYTES


@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/api/channels/some-channel/"), ("POST", "/me/channels/x/edit/")]
)
def test_the_routes_that_take_images_declare_room_for_both(method: str, path: str) -> None:
    scope = {"type": "http", "method": method, "path": path}
    assert body_limits.limit_for(scope) is images.BODY_LIMIT
    assert body_limits.limit_for({**scope, "method": "GET"}) is body_limits.DEFAULT
