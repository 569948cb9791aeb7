"""Media serving: Range, HEAD, content types, cache headers, validators, hostile names."""

from __future__ import annotations

from typing import cast

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient, Client

from accounts.models import User
from catalog import files, media
from catalog.models import Video
from catalog.tests.api_helpers import write

DATA = bytes(range(256)) * 40  # 10 240 bytes
IMMUTABLE = "public, max-age=31536000, immutable"
SEGMENT = "videos/v1/out/a1/360/seg-00001.m4s"


@pytest.fixture(autouse=True)
def public_video(user: User) -> Video:
    """The public video ``v1`` that the files below belong to (access: test_media_access)."""
    return Video.objects.create(id="v1", owner=user, title="Public")


@pytest.fixture
def segment() -> str:
    return write(SEGMENT, DATA)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_whole_file(client: Client, segment: str) -> None:
    response = client.get(f"/media/{segment}")
    assert response.status_code == 200
    assert body(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/iso.segment"
    assert response["Cache-Control"] == IMMUTABLE
    assert response["ETag"].startswith('"') and response["Last-Modified"]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 10239),
        ("bytes=-100", 10140, 10239),
        ("bytes=10000-99999", 10000, 10239),
        ("bytes=-99999", 0, 10239),
        ("BYTES=5-5", 5, 5),
    ],
)
def test_single_ranges(client: Client, segment: str, header: str, start: int, end: int) -> None:
    response = client.get(f"/media/{segment}", HTTP_RANGE=header)
    assert response.status_code == 206
    assert body(response) == DATA[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_unsatisfiable_ranges(client: Client, segment: str, header: str) -> None:
    response = client.get(f"/media/{segment}", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=9-3", "bytes=-", "nonsense"]
)
def test_multiple_or_malformed_ranges_get_the_whole_file(
    client: Client, segment: str, header: str
) -> None:
    response = client.get(f"/media/{segment}", HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == DATA


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("bytes=" + "9" * 5000 + "-", id="first"),
        pytest.param("bytes=0-" + "9" * 5000, id="last"),
        pytest.param("bytes=-" + "9" * 5000, id="suffix"),
        pytest.param("bytes=" + "0" * 4999 + "1-", id="zeros"),
    ],
)
def test_numbers_too_long_for_any_file_are_ignored(
    client: Client, segment: str, header: str
) -> None:
    response = client.get(f"/media/{segment}", HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == DATA


def test_head_sends_headers_only(client: Client, segment: str) -> None:
    response = client.head(f"/media/{segment}")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes"
    ranged = client.head(f"/media/{segment}", HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 206
    assert (ranged["Content-Length"], ranged.content) == ("10", b"")
    assert ranged["Content-Range"] == f"bytes 0-9/{len(DATA)}"


def test_other_methods_are_refused(client: Client, segment: str) -> None:
    assert client.post(f"/media/{segment}").status_code == 405
    assert client.delete(f"/media/{segment}").status_code == 405


def test_conditional_requests(client: Client, segment: str) -> None:
    first = client.get(f"/media/{segment}")
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get(f"/media/{segment}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again["Cache-Control"] == IMMUTABLE
    assert client.get(f"/media/{segment}", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(f"/media/{segment}", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_if_range_with_a_stale_validator_sends_the_whole_file(client: Client, segment: str) -> None:
    etag = client.head(f"/media/{segment}")["ETag"]
    fresh = client.get(f"/media/{segment}", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh.status_code == 206
    stale = client.get(f"/media/{segment}", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert stale.status_code == 200 and body(stale) == DATA


@pytest.mark.parametrize(
    ("name", "content_type", "cache"),
    [
        ("master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=2"),
        ("360/index.m3u8", "application/vnd.apple.mpegurl", "public, max-age=2"),
        ("360/init.mp4", "video/mp4", IMMUTABLE),
        ("en-abc.vtt", "text/vtt; charset=utf-8", IMMUTABLE),
        ("poster.jpg", "image/jpeg", IMMUTABLE),
        ("sprite.JPG", "image/jpeg", IMMUTABLE),
        ("notes.bin", "application/octet-stream", "public, max-age=60"),
    ],
)
def test_content_types_and_caching(
    client: Client, name: str, content_type: str, cache: str
) -> None:
    stored = write(f"videos/v1/out/a1/{name}", b"data")
    response = client.get(f"/media/{stored}")
    assert response.status_code == 200
    assert (response["Content-Type"], response["Cache-Control"]) == (content_type, cache)


def test_empty_file(client: Client) -> None:
    name = write("videos/v1/out/a1/empty.vtt", b"")
    response = client.get(f"/media/{name}")
    assert (response.status_code, body(response), response["Content-Length"]) == (200, b"", "0")
    assert client.get(f"/media/{name}", HTTP_RANGE="bytes=0-").status_code == 416


@pytest.mark.parametrize(
    "path",
    [
        "/media/videos/v1/out/a1/missing.m4s",
        "/media/videos/v1/out/a1",  # a folder
        "/media/videos/v1/out/a1/",
        "/media/videos/v1/../v1/out/a1/360/seg-00001.m4s",
        "/media/videos/v1/./out/a1/360/seg-00001.m4s",
        "/media//etc/passwd",
        "/media/videos/v1/out/a1/360\\seg-00001.m4s",
        "/media/videos/v1/source/upload",  # originals are never published
        "/media/..%2f..%2fetc/passwd",
    ],
)
def test_missing_and_hostile_names_are_404(client: Client, segment: str, path: str) -> None:
    write("videos/v1/source/upload", b"original")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "name", ["", "/abs", "a/../b", "a//b", "a/./b", "a\\b", "a\x00b", "videos/x/source/upload"]
)
def test_clean_name_refuses(name: str) -> None:
    assert files.clean_name(name) is None


def test_parse_range_edges() -> None:
    assert media.parse_range("bytes=0-0", 1) == (0, 0)
    assert media.parse_range("bytes=-5", 3) == (0, 2)
    with pytest.raises(media.RangeNotSatisfiable):
        media.parse_range("bytes=-5", 0)
    with pytest.raises(media.RangeNotSatisfiable):
        media.parse_range("bytes=3-", 3)


@pytest.mark.anyio
@pytest.mark.usefixtures("async_db")  # the view reads the video row from another thread
async def test_asgi_streams_in_chunks_without_reading_the_whole_file() -> None:
    big = bytes(range(256)) * 4096 * 3  # 3 MiB: several chunks
    name = await _write_async("videos/v1/out/a1/big.mp4", big)
    response = await AsyncClient().get(f"/media/{name}", headers={"Range": "bytes=1-"})
    assert response.status_code == 206
    ranged = cast(media.RangeFileResponse, response)
    stream = aiter(ranged)  # what Django's ASGI handler consumes
    chunks = [await anext(stream)]
    assert ranged._fh.tell() == 1 + media.CHUNK_BYTES  # read lazily, one chunk so far
    chunks += [chunk async for chunk in stream]
    assert len(chunks) > 1 and max(len(c) for c in chunks) <= media.CHUNK_BYTES
    assert b"".join(chunks) == big[1:]
    await sync_to_async(response.close)()  # in a thread, as Django's ASGI handler does


async def _write_async(name: str, data: bytes) -> str:
    return await sync_to_async(write)(name, data)


@pytest.mark.anyio
@pytest.mark.usefixtures("async_db")
@pytest.mark.filterwarnings("error:StreamingHttpResponse")  # Django's read-it-all fallback
async def test_through_the_asgi_application(segment: str) -> None:
    from config.asgi import application

    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        ranged = await client.get(f"/media/{segment}", headers={"Range": "bytes=10-19"})
        assert (ranged.status_code, ranged.content) == (206, DATA[10:20])
        whole = await client.get(f"/media/{segment}")
        assert (whole.status_code, whole.content) == (200, DATA)
        head = await client.head(f"/media/{segment}")
        assert (head.status_code, head.content) == (200, b"")
        assert head.headers["content-length"] == str(len(DATA))
