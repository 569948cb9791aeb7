"""The ASGI upload-size guard: 413 before Django reads an over-long body, in every shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async

from catalog.models import Video
from config import upload_guard
from config.asgi import application
from config.body_limits import ENVELOPE_BYTES
from config.tests.asgi_driver import Echo, run
from config.tests.server import chunked, exchange, uvicorn
from config.upload_guard import UploadSizeGuard

LIMIT = 1000  # UPLOAD_MAX_BYTES in these tests; the guard allows ENVELOPE_BYTES more
BODY_MAX = LIMIT + ENVELOPE_BYTES  # the largest body POST /api/videos/ takes here


@pytest.fixture(autouse=True)
def small_limit(settings) -> None:
    settings.UPLOAD_MAX_BYTES = LIMIT


@pytest.mark.anyio
async def test_declared_length_over_the_limit_is_refused_without_reading() -> None:
    declared = BODY_MAX + 1
    app = Echo()
    status, body, pulled = await run(
        UploadSizeGuard(app), {"content-length": str(declared)}, [b"x"]
    )
    assert status == 413
    assert (pulled, app.seen) == (0, 0)
    assert json.loads(body) == {
        "detail": "The upload is 1.0 MB; the largest allowed is 1000 bytes."
    }


@pytest.mark.anyio
async def test_a_body_longer_than_it_said_is_cut_off() -> None:
    chunk = b"x" * 64 * 1024
    app = Echo()
    status, body, pulled = await run(UploadSizeGuard(app), {"content-length": "10"}, [chunk] * 40)
    assert status == 413
    assert json.loads(body)["detail"] == (
        "The upload is larger than 1000 bytes; the largest allowed is 1000 bytes."
    )
    assert app.seen == BODY_MAX // len(chunk) * len(chunk)  # nothing past the limit
    assert pulled == 41  # the rest was drained (dropped) so the client can read the 413


@pytest.mark.anyio
async def test_a_chunked_body_without_length_is_counted() -> None:
    app = Echo()
    status, _, _ = await run(UploadSizeGuard(app), {}, [b"x" * 300 * 1024] * 5)
    assert (status, app.seen) == (413, 3 * 300 * 1024)


@pytest.mark.anyio
async def test_draining_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(upload_guard, "DRAIN_BYTES", 1024 * 1024)
    status, _, pulled = await run(UploadSizeGuard(Echo()), {}, [b"x" * 512 * 1024] * 100)
    assert status == 413
    assert pulled == 3 + 3  # three chunks to pass the limit, then just over 1 MiB drained


@pytest.mark.parametrize("declare", [True, False])
@pytest.mark.anyio
async def test_a_body_exactly_at_the_limit_passes(declare: bool) -> None:
    size = BODY_MAX
    headers = {"content-length": str(size)} if declare else {}
    status, body, _ = await run(UploadSizeGuard(Echo()), headers, [b"x" * (size - 1), b"x"])
    assert (status, body) == (200, str(size).encode())


@pytest.mark.anyio
async def test_other_protocols_pass_through() -> None:
    seen = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    await UploadSizeGuard(app)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]


# --- through the real ASGI application (Django behind the guard) ------------------------


@pytest.mark.anyio
async def test_django_never_sees_an_oversized_body(async_db: None, media_root: Path) -> None:
    chunks = [b"x" * 256 * 1024] * 8
    headers = {"content-type": "multipart/form-data; boundary=zz", "content-length": "100"}
    status, body, _ = await run(application, headers, chunks, path="/api/videos/")
    assert status == 413
    assert "largest allowed is 1000 bytes" in json.loads(body)["detail"]
    assert await sync_to_async(Video.objects.count)() == 0
    assert not any(p.is_file() for p in media_root.rglob("*"))


@pytest.mark.anyio
async def test_real_uploads_at_and_over_the_limit(async_db: None, media_root: Path) -> None:
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    user = await sync_to_async(User.objects.create_user)("carol", password="pw-long-enough")
    token = await sync_to_async(Token.objects.create)(user=user)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        auth = {"Authorization": f"Token {token.key}"}
        ok = await client.post(
            "/api/videos/", data={"title": "x"}, files={"file": b"v" * LIMIT}, headers=auth
        )
        assert ok.status_code == 201, ok.text
        too_big = await client.post(
            "/api/videos/", data={"title": "x"}, files={"file": b"v" * (LIMIT + 1)}, headers=auth
        )
        assert too_big.status_code == 413  # refused inside Django by the service
        assert too_big.json()["detail"].startswith("The file is 1001 bytes")
    assert await sync_to_async(Video.objects.count)() == 1


# --- a real server -------------------------------------------------------------------------


@pytest.fixture
def uvicorn_server(tmp_path: Path) -> Iterator[int]:
    env = {
        "UPLOAD_MAX_BYTES": str(LIMIT),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",  # never the developer's
    }
    with uvicorn(env) as port:
        yield port


def test_uvicorn_answers_413_before_the_body_is_sent(uvicorn_server: int) -> None:
    reply = exchange(
        uvicorn_server,
        b"POST /api/videos/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Length: 5000000000\r\n\r\n",
    )  # not one byte of the 5 GB body was sent
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b'"The upload is 4.7 GB; the largest allowed is 1000 bytes."' in reply


def test_uvicorn_cuts_off_a_chunked_body(uvicorn_server: int) -> None:
    reply = exchange(
        uvicorn_server,
        b"POST /api/videos/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"x" * 3 * 1024 * 1024),
    )  # 3 MiB, with no length announced
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"The upload is larger than 1000 bytes" in reply
