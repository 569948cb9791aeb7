"""The API keeps the promises of its schema: schemathesis fuzzes every operation on uvicorn.

Every operation in ``/api/schema/`` (so every endpoint a later app adds) gets schemathesis'
examples, coverage and fuzzing phases with its default checks: no 5xx, no status code or
content type the schema does not list, responses that match their schemas, schema-valid input
accepted and schema-violating input refused, authentication enforced where it is declared.

The run cannot be flaky: generation is derandomized with no example database and no cache
kept between runs, rate limits are off in the server (``fuzz_settings``), and each example
that names an object gets a fresh one of its own, so no example sees what another left.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from django.core.files.base import ContentFile
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from schemathesis import Case, CheckContext, Response
from schemathesis.schemas import BaseSchema

from accounts.models import User
from catalog import services
from catalog.models import Track, Video
from catalog.tests.api_helpers import make_video
from catalog.tests.processes import database_url
from config.tests.server import uvicorn
from live.tests.factories import create_channel, open_session

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Examples per operation in the fuzzing phase (the coverage phase adds its own, bounded set):
# about 70 s for today's 22 operations (videos, channels) on a 2-core machine.
MAX_EXAMPLES = 20
TOKEN = "f022" * 10  # the fuzzing user's API token (fixed: the configuration names it)

# Refusals of schema-valid input that a schema cannot express, per operation.
CONTENT_RULES = {
    # Valid-looking credentials that match no account: 400, as DRF's token view answers.
    "POST /api/auth/token/": [400],
    # An empty file is refused; schemathesis validates file parts as empty strings, so the
    # schema cannot say so (a minLength makes every mutated upload look invalid).
    "POST /api/videos/": [400],
    "POST /api/tracks/": [400],  # the same for a music track
    # The file must be WebVTT or SRT; OpenAPI can only say "a binary file".
    "POST /api/videos/{id}/subtitles/": [400],
    # A well-formed address may be reserved (admin, api…) or taken; tags must be words.
    "POST /api/channels/": [400],
    # Images must be JPEG, PNG or WebP ("a binary file" again); tags must be words.
    "PATCH /api/channels/{slug}/": [400],
    # The username must name an account other than the owner's.
    "POST /api/channels/{slug}/moderators/": [400],
}
# What positive_data_acceptance takes as "accepted" by default (CONTENT_RULES add to it).
ACCEPTED = ["2xx", "3xx", 401, 403, 404, 409, 429, "5xx"]


@pytest.fixture(scope="module")
def server_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-media")


@pytest.fixture(scope="module")
def api_server(django_db_setup: None, server_media: Path) -> Iterator[str]:
    """Serve the project with uvicorn on the test database; return its base URL."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.tests.fuzz_settings",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(server_media),
        "TRANSCODE_WORK_DIR": str(server_media.parent / "fuzz-work"),
    }
    with uvicorn(env) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def fuzzer(user: User, settings, server_media: Path) -> User:
    """The user whose token the run sends; files go where the server keeps them."""
    settings.MEDIA_ROOT = str(server_media)
    settings.LIVE_CHANNELS_PER_USER = 1_000_000  # a fresh channel for every example
    Token.objects.create(user=user, key=TOKEN)
    return user


def served_schema() -> dict[str, Any]:
    """The document /api/schema/ serves (generated here: test collection needs it first)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def fuzz_schema(api_key: str | None, max_examples: int, coverage: bool) -> BaseSchema:
    """The served schema with schemathesis' settings for one identity (no schemathesis.toml)."""
    config: dict[str, Any] = {
        "seed": 20240501,
        "suppress-health-check": ["all"],  # a busy machine must not fail "too slow"
        "request-timeout": 60,
        "cache": {"enabled": False},
        "generation": {
            "max-examples": max_examples,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,  # credentials only from "auth" below
            # DRF refuses NUL and lone surrogates in every text field (a documented 400);
            # the schemas do not repeat that for each field.
            "allow-x00": False,
            "codec": "utf-8",
        },
        "phases": {
            "coverage": {"enabled": coverage},
            "stateful": {"enabled": False},  # each example stands alone
        },
        "operations": [
            {
                "include-name": name,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *codes]}},
            }
            for name, codes in CONTENT_RULES.items()
        ],
    }
    if api_key is not None:
        config["auth"] = {"openapi": {"tokenAuth": {"api_key": api_key}}}
    return schemathesis.openapi.from_dict(SERVED, config=schemathesis.Config.from_dict(config))


SERVED = served_schema()
# The fuzzing user, with every phase; then a wrong token and no credentials, briefly: what
# they are refused with (401 and friends) must be documented too.
signed_in = fuzz_schema(f"Token {TOKEN}", MAX_EXAMPLES, coverage=True)
wrong_token = fuzz_schema("Token " + "0" * 40, 3, coverage=False)
anonymous = fuzz_schema(None, 3, coverage=False)


def fresh_video(owner: User, path: str) -> str:
    """A video of the fuzzing user's own for one example, failed if it is to be retried."""
    status = Video.Status.FAILED if path.endswith("/retry/") else Video.Status.READY
    video = make_video(owner, "Fuzzed", status=status)
    vtt = ContentFile(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", name="en.vtt")
    services.subtitle_set(video=video, language="en", file=vtt)
    return video.pk


def fresh_track(owner: User, path: str) -> str:
    """A ready music track of the fuzzing user's own for one example."""
    video = make_video(owner, "Fuzzed track", kind=Video.Kind.TRACK)
    Track.objects.create(video=video, bpm=120.0, bpm_confidence=1.0, loudness=-14.0)
    return video.pk


def fresh_channel(owner: User, path: str) -> str:
    """A channel of the fuzzing user's own for one example, live if it is to be ended."""
    channel = create_channel(owner, slug=f"fuzz-{secrets.token_hex(6)}", title="Fuzzed")
    if path.endswith("/end/") or path.endswith("/health/"):
        open_session(channel, health={"bitrate": 2_500_000, "keyframe_interval": 2.0})
    return channel.slug


# Path parameters that name an object, and how to make one for an example.
FRESH_OBJECTS: dict[str, Callable[[User, str], str]] = {
    "/api/videos/{id}/": fresh_video,
    "/api/tracks/{id}/": fresh_track,
    "/api/channels/{slug}/": fresh_channel,
}


def test_the_fuzzed_schema_is_the_served_one(api_server: str) -> None:
    served = httpx.get(f"{api_server}/api/schema/", params={"format": "json"}, timeout=60)
    assert served.json() == SERVED


def status_documented(ctx: CheckContext, response: Response, case: Case) -> None:
    """Fail when an answer's status is not in the schema, whatever the request looked like.

    schemathesis' own status check skips requests with an undeclared Content-Type (it only
    asks that they are not 5xx), but the schema promises 415 for them, and a client should
    be able to rely on it. Requests with an undeclared method are left out: OpenAPI does
    not list 405.
    """
    if case.method.upper() != case.operation.method.upper():
        return
    documented = case.operation.responses.status_codes
    if str(response.status_code) not in documented:
        content_type = case.headers.get("Content-Type") if case.headers else None
        raise AssertionError(
            f"{case.operation.label} answered {response.status_code} (request Content-Type "
            f"{content_type!r}); the schema lists {', '.join(documented)}"
        )


def null_in_a_form(case: Case) -> bool:
    """A multipart "null": schemathesis sends None as the text "null", which is a valid string
    (a form has no null), then expects it refused as a type violation: not a real case."""
    body = case.body
    return (
        (case.media_type or "").startswith("multipart/")
        and isinstance(body, dict)
        and any(value is None for value in body.values())
    )


def fuzz(case: Case, base_url: str, user: User) -> None:
    """Send one example (with fresh objects of its own) and run every check on the answer."""
    if null_in_a_form(case):
        return
    for prefix, make in FRESH_OBJECTS.items():
        if case.operation.path.startswith(prefix):
            name = prefix.rsplit("{", 1)[1].rstrip("}/")
            path = case.operation.path
            case.path_parameters = {**(case.path_parameters or {}), name: make(user, path)}
    case.call_and_validate(base_url=base_url, additional_checks=[status_documented])


@signed_in.parametrize()
def test_the_api_keeps_its_schema(case: Case, api_server: str, fuzzer: User) -> None:
    fuzz(case, api_server, fuzzer)


@wrong_token.parametrize()
def test_the_api_keeps_its_schema_with_a_wrong_token(
    case: Case, api_server: str, fuzzer: User
) -> None:
    fuzz(case, api_server, fuzzer)


@anonymous.parametrize()
def test_the_api_keeps_its_schema_for_anonymous_clients(
    case: Case, api_server: str, fuzzer: User
) -> None:
    fuzz(case, api_server, fuzzer)
