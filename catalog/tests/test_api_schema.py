"""The OpenAPI schema and the Swagger UI that shows it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient

from accounts.models import User
from catalog.api.serializers import VideoUpdateSerializer
from catalog.tests.api_helpers import make_video
from config.api_schema import NOT_BLANK

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


# --- what the schema promises (config/api_schema.py); the fuzz test holds the server to it ---


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def operation(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return schema["paths"][path][method.lower()]


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        ("POST", "/api/auth/token/", {"200", "400", "413", "415", "429"}),
        ("GET", "/api/videos/", {"200", "401", "404"}),  # a wrong token; ?page=0
        ("POST", "/api/videos/", {"201", "400", "401", "403", "413", "415", "429"}),
        ("GET", "/api/videos/{id}/", {"200", "401", "404"}),
        ("PATCH", "/api/videos/{id}/", {"200", "400", "401", "403", "404", "413", "415"}),
        ("DELETE", "/api/videos/{id}/", {"204", "401", "403", "404"}),
        ("POST", "/api/videos/{id}/retry/", {"202", "401", "403", "404", "409"}),
        ("POST", "/api/videos/{id}/subtitles/", {"201", "400", "401", "403", "404", "413", "415"}),
        ("DELETE", "/api/videos/{id}/subtitles/{language}/", {"204", "401", "403", "404"}),
    ],
)
def test_every_status_an_operation_answers_is_documented(
    schema: dict[str, Any], method: str, path: str, codes: set[str]
) -> None:
    responses = operation(schema, method, path)["responses"]
    assert set(responses) == codes
    for code in codes - {"204"}:
        assert "application/json" in responses[code]["content"], code


def test_a_rate_limited_answer_says_when_to_retry(schema: dict[str, Any]) -> None:
    limited = operation(schema, "POST", "/api/videos/")["responses"]["429"]
    assert limited["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def test_the_token_endpoint_is_open_to_anonymous_clients(schema: dict[str, Any]) -> None:
    assert operation(schema, "POST", "/api/auth/token/")["security"] == [{}]


def test_a_patch_needs_at_least_one_known_field(schema: dict[str, Any]) -> None:
    body = operation(schema, "PATCH", "/api/videos/{id}/")["requestBody"]
    assert body["required"] is True
    component = schema["components"]["schemas"]["PatchedVideoUpdateRequest"]
    assert (component["minProperties"], component["additionalProperties"]) == (1, False)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("en", True), ("pt_br", True), ("zh-Hant-TW", True), ("EN", True), ("english", False),
     (" en", False), ("en\n", False), ("e", False), ("日本", False)],
)  # fmt: skip
def test_the_documented_language_pattern_is_what_the_api_accepts(
    schema: dict[str, Any], alice_api: APIClient, user: User, value: str, accepted: bool
) -> None:
    pattern = schema["components"]["schemas"]["SubtitleCreateRequest"]["properties"]["language"]
    assert jsonschema_rs.is_valid(pattern, value) is accepted  # ECMA regex, as clients read it
    path_parameter = operation(schema, "DELETE", "/api/videos/{id}/subtitles/{language}/")
    assert path_parameter["parameters"][1]["schema"]["pattern"] == pattern["pattern"]
    vtt = SimpleUploadedFile("en.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")
    video = make_video(user)
    response = alice_api.post(
        f"/api/videos/{video.pk}/subtitles/", {"file": vtt, "language": value}
    )
    assert (response.status_code == 201) is accepted, response.json()


@pytest.mark.parametrize("code", [c for c in range(0x3001) if chr(c).isspace()])
def test_text_documented_as_not_blank_is_what_drf_refuses_as_blank(code: int) -> None:
    blank = chr(code) * 2
    documented = {"type": "string", "pattern": NOT_BLANK}
    assert not jsonschema_rs.is_valid(documented, blank)
    assert jsonschema_rs.is_valid(documented, blank + "x")
    form = VideoUpdateSerializer(data={"title": blank}, partial=True)
    assert not form.is_valid()
    assert VideoUpdateSerializer(data={"title": blank + "x"}, partial=True).is_valid()
