"""Each route's body limit: uploads large, subtitles their own cap, the rest Django's small one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rest_framework.authtoken.models import Token

from accounts.models import User
from catalog.models import Video
from catalog.tests.processes import database_url
from config.body_limits import ENVELOPE_BYTES, SUBTITLE_ENVELOPE_BYTES
from config.tests.asgi_driver import Echo, run
from config.tests.server import chunked, exchange, uvicorn
from config.upload_guard import UploadSizeGuard

SMALL = 2000  # DATA_UPLOAD_MAX_MEMORY_SIZE in the in-process tests
UPLOAD_LIMIT = 10_000


@pytest.fixture(autouse=True)
def limits(settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL
    settings.UPLOAD_MAX_BYTES = UPLOAD_LIMIT


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/auth/token/"),
        ("POST", "/accounts/login/"),
        ("PATCH", "/api/videos/abc/"),
        ("GET", "/api/videos/"),  # the upload route's limit is for POST only
        ("POST", "/api/videos/abc/retry/"),
        ("POST", "/no/such/page/"),
    ],
)
@pytest.mark.anyio
async def test_other_routes_get_djangos_limit_unread(method: str, path: str) -> None:
    app = Echo()
    status, body, pulled = await run(
        UploadSizeGuard(app), {"content-length": "3000"}, [b"x" * 3000], path, method
    )
    assert (status, pulled, app.seen) == (413, 0, 0)
    assert json.loads(body) == {
        "detail": "The request body is 2.9 KB; the largest allowed is 2.0 KB."
    }


@pytest.mark.anyio
async def test_a_chunked_body_on_another_route_is_cut_off_at_djangos_limit() -> None:
    app = Echo()
    status, body, _ = await run(UploadSizeGuard(app), {}, [b"x" * 1000] * 5, "/api/auth/token/")
    assert (status, app.seen) == (413, 2000)  # the third chunk never reached the app
    assert json.loads(body)["detail"] == (
        "The request body is larger than 2.0 KB; the largest allowed is 2.0 KB."
    )


@pytest.mark.parametrize("path", ["/api/videos/", "/upload/"])
@pytest.mark.anyio
async def test_upload_routes_take_upload_max_bytes(path: str) -> None:
    size = UPLOAD_LIMIT + ENVELOPE_BYTES
    status, body, _ = await run(
        UploadSizeGuard(Echo()), {"content-length": str(size)}, [b"x" * size], path
    )
    assert (status, body) == (200, str(size).encode())
    status, body, _ = await run(
        UploadSizeGuard(Echo()), {"content-length": str(size + 1)}, [], path
    )
    assert status == 413
    assert json.loads(body)["detail"].endswith("the largest allowed is 9.8 KB.")


@pytest.mark.parametrize("path", ["/api/videos/abc/subtitles/", "/me/videos/abc/subtitles/"])
@pytest.mark.anyio
async def test_subtitle_routes_have_their_own_cap(settings, path: str) -> None:
    settings.SUBTITLE_MAX_BYTES = 1500
    cap = 1500 + SUBTITLE_ENVELOPE_BYTES
    status, _, _ = await run(
        UploadSizeGuard(Echo()), {"content-length": str(cap)}, [b"x" * cap], path
    )
    assert status == 200
    app = Echo()
    status, body, _ = await run(UploadSizeGuard(app), {"content-length": str(cap + 1)}, [], path)
    assert (status, app.seen) == (413, 0)
    assert json.loads(body) == {
        "detail": "The subtitle upload is 65.5 KB; the largest allowed is 1.5 KB."
    }


@pytest.mark.anyio
async def test_routes_are_found_under_a_root_path() -> None:
    size = UPLOAD_LIMIT  # over Django's limit, within the upload one
    status, _, _ = await run(
        UploadSizeGuard(Echo()), {}, [b"x" * size], "/api/videos/", root_path="/onair"
    )
    assert status == 200


@pytest.mark.anyio
async def test_no_data_limit_means_none_on_other_routes(settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None  # Django's way to switch its check off
    status, body, _ = await run(UploadSizeGuard(Echo()), {}, [b"x" * 5000], "/api/auth/token/")
    assert (status, body) == (200, b"5000")


# --- a real uvicorn, real sockets, the project's default limits --------------------------


@pytest.fixture
def server(tmp_path: Path, transactional_db: None) -> Iterator[int]:
    """Serve the test database; uploads up to 8 MiB, everything else at Django's 2.5 MB."""
    env = {
        "UPLOAD_MAX_BYTES": str(8 * 1024 * 1024),
        "MEDIA_ROOT": str(tmp_path / "served-media"),
        "DATABASE_URL": database_url(),
    }
    with uvicorn(env) as port:
        yield port


def post(path: str, headers: str, body: bytes = b"") -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode() + body


def test_a_large_sign_in_is_refused_before_the_body_is_sent(server: int) -> None:
    headers = "Content-Type: application/json\r\nContent-Length: 3000000\r\n"
    reply = exchange(server, post("/api/auth/token/", headers))  # the 3 MB never leave here
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b'{"detail": "The request body is 2.9 MB; the largest allowed is 2.5 MB."}' in reply


def test_a_large_chunked_sign_in_is_cut_off(server: int) -> None:
    body = b'{"username": "' + b"x" * 3_000_000 + b'", "password": "p"}'
    headers = "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    reply = exchange(server, post("/api/auth/token/", headers, chunked(body)))
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"The request body is larger than 2.5 MB; the largest allowed is 2.5 MB." in reply


def test_a_subtitle_over_its_cap_is_refused(server: int) -> None:
    headers = "Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: 2500000\r\n"
    for path in ("/api/videos/abc/subtitles/", "/me/videos/abc/subtitles/"):
        reply = exchange(server, post(path, headers))
        assert reply.startswith(b"HTTP/1.1 413 ")
        assert b"The subtitle upload is 2.4 MB; the largest allowed is 2.0 MB." in reply


def test_a_large_upload_still_passes(server: int) -> None:
    user = User.objects.create_user("carol", password="pw-long-enough")
    token = Token.objects.create(user=user)
    response = httpx.post(
        f"http://127.0.0.1:{server}/api/videos/",
        data={"title": "big"},
        files={"file": ("big.mp4", b"v" * 3_000_000)},  # over Django's 2.5 MB
        headers={"Authorization": f"Token {token.key}"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    assert Video.objects.get().source_size == 3_000_000
