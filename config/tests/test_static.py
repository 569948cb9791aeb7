"""Static files under ASGI: streamed asynchronously, hashed names cached for good, compressed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.management import call_command

from config.settings.base import _static_backend

CSS = "body { color: #123456; }\n" * 100
FOREVER = "max-age=315360000, public, immutable"


@pytest.fixture
def collected(settings, tmp_path: Path) -> str:
    """Collect one stylesheet with the production storage; return its hashed name."""
    source = tmp_path / "source"
    (source / "css").mkdir(parents=True)
    (source / "css" / "site.css").write_text(CSS)
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": _static_backend}}
    del settings.SERVESTATIC_USE_FINDERS  # the test settings turn these off; use the defaults
    del settings.SERVESTATIC_USE_STATIC_ROOT
    call_command("collectstatic", interactive=False, verbosity=0)
    hashed = [p.name for p in (tmp_path / "static" / "css").glob("site.*.css")]
    assert len(hashed) == 1 and re.fullmatch(r"site\.[0-9a-f]{12}\.css", hashed[0]), hashed
    return f"css/{hashed[0]}"


async def get(path: str, **headers: str) -> httpx.Response:
    """Request ``path`` from a Django ASGI handler built with the current settings."""
    handler: Any = ASGIHandler()  # django-stubs and httpx spell the ASGI types differently
    transport = httpx.ASGITransport(app=handler)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await client.get(path, headers=headers)


# With DEBUG on, pages link the plain names (the storage hashes names only without DEBUG),
# and every file is sent uncached so that edits show at once.
@pytest.mark.parametrize(("debug", "cache"), [(False, FOREVER), (True, "max-age=0, public")])
@pytest.mark.anyio
@pytest.mark.filterwarnings("error:StreamingHttpResponse")  # Django's read-it-all fallback
async def test_hashed_names_are_cached_for_good(
    settings, collected: str, debug: bool, cache: str
) -> None:
    settings.DEBUG = debug
    response = await get(f"/static/{collected}")
    assert response.status_code == 200
    assert response.text == CSS
    assert response.headers["cache-control"] == cache
    assert response.headers["content-type"].startswith("text/css")


@pytest.mark.anyio
@pytest.mark.filterwarnings("error:StreamingHttpResponse")
async def test_original_names_are_revalidated_soon(collected: str) -> None:
    response = await get("/static/css/site.css")
    assert (response.status_code, response.text) == (200, CSS)
    assert response.headers["cache-control"] == "max-age=60, public"


@pytest.mark.anyio
@pytest.mark.filterwarnings("error:StreamingHttpResponse")
async def test_compressed_copies_are_served_to_browsers_that_accept_them(collected: str) -> None:
    response = await get(f"/static/{collected}", **{"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(CSS) / 10
    assert response.text == CSS  # httpx decompressed it


def test_module_imports_point_at_hashed_names(settings, tmp_path: Path) -> None:
    source = tmp_path / "source" / "js"
    source.mkdir(parents=True)
    (source / "render.js").write_text("export const hello = () => 'hello';\n")
    (source / "page.js").write_text('import { hello } from "./render.js";\nhello();\n')
    settings.STATICFILES_DIRS = [tmp_path / "source"]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": _static_backend}}
    call_command("collectstatic", interactive=False, verbosity=0)
    (render,) = (tmp_path / "static" / "js").glob("render.*.js")
    (page,) = (tmp_path / "static" / "js").glob("page.*.js")
    # A page released later never pairs with a cached older module, nor the other way round.
    assert f'from "./{render.name}"' in page.read_text()
