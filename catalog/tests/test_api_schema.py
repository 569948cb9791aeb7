"""The OpenAPI schema and the Swagger UI that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s"))
    assert "/api/videos/{id}/subtitles/" in (tmp_path / "s").read_text()


def test_schema_endpoint(api: APIClient) -> None:
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/videos/" in response.content and b"/api/auth/token/" in response.content


def test_docs_use_local_assets(api: APIClient) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_docs_have_no_inline_script_so_the_csp_holds(api: APIClient) -> None:
    page = api.get("/api/docs/").content.decode()
    assert "<script>" not in page
    script = page.split('<script src="')[-1].split('"')[0].replace("&amp;", "&")
    response = api.get(script)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()
