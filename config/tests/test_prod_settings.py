"""Production settings: HTTPS redirect, HSTS from the environment, X-Forwarded-Proto opt-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# In a process of its own with the production settings: Django's SecurityMiddleware answers a
# request over plain HTTP, one claiming HTTPS in X-Forwarded-Proto, one really over HTTPS and
# a probe, each as [status, Location, Strict-Transport-Security].
PROBE = """
import json, django
django.setup()
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

middleware = SecurityMiddleware(lambda request: HttpResponse("ok"))
factory = RequestFactory(HTTP_HOST="onair.example.com")

def answer(path, **extra):
    response = middleware(factory.get(path, **extra))
    hsts = response.get("Strict-Transport-Security")
    return [response.status_code, response.get("Location"), hsts]

print(json.dumps({
    "plain": answer("/videos/"),
    "forwarded": answer("/videos/", HTTP_X_FORWARDED_PROTO="https"),
    "https": answer("/videos/", secure=True),
    "healthz": answer("/healthz"),
    "readyz": answer("/readyz"),
}))
"""
YEAR = 365 * 24 * 3600


def run_prod(**variables: str) -> subprocess.CompletedProcess[str]:
    """Start Python with the production settings and only the given environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "k" * 20 + "-only-for-this-test-" + "0123456789" * 2,
        "DJANGO_ALLOWED_HOSTS": "onair.example.com",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def answers(**variables: str) -> dict[str, list]:
    result = run_prod(**variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_redirect_to_https_send_hsts_and_ignore_a_forged_proto_header() -> None:
    got = answers()
    assert got["plain"][:2] == [301, "https://onair.example.com/videos/"]
    # Without the opt-in, a client's X-Forwarded-Proto does not make the request secure.
    assert got["forwarded"][:2] == [301, "https://onair.example.com/videos/"]
    assert got["https"] == [200, None, f"max-age={YEAR}; includeSubDomains"]
    # Load balancers probe over plain HTTP: no redirect for them.
    assert got["healthz"][0] == 200
    assert got["readyz"][0] == 200


def test_x_forwarded_proto_is_trusted_when_the_operator_opts_in() -> None:
    got = answers(DJANGO_TRUST_X_FORWARDED_PROTO="true")
    assert got["forwarded"] == [200, None, f"max-age={YEAR}; includeSubDomains"]
    assert got["plain"][0] == 301  # no header: still plain HTTP


@pytest.mark.parametrize(
    ("variables", "header"),
    [
        (
            {"DJANGO_SECURE_HSTS_SECONDS": "600", "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "false"},
            "max-age=600",
        ),
        ({"DJANGO_SECURE_HSTS_PRELOAD": "true"}, f"max-age={YEAR}; includeSubDomains; preload"),
        ({"DJANGO_SECURE_HSTS_SECONDS": "0"}, None),
    ],
)
def test_hsts_comes_from_the_environment(variables: dict[str, str], header: str | None) -> None:
    assert answers(**variables)["https"] == [200, None, header]


def test_the_redirect_can_be_left_to_the_proxy() -> None:
    assert answers(DJANGO_SECURE_SSL_REDIRECT="false")["plain"][0] == 200


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_SECURE_HSTS_SECONDS", "-1", "DJANGO_SECURE_HSTS_SECONDS must be zero or more"),
        ("DJANGO_SECURE_HSTS_SECONDS", "a year", "DJANGO_SECURE_HSTS_SECONDS must be a whole"),
        ("DJANGO_TRUST_X_FORWARDED_PROTO", "sure", "DJANGO_TRUST_X_FORWARDED_PROTO='sure' is not"),
        ("API_TOKEN_MAX_AGE_SECONDS", "0", "API_TOKEN_MAX_AGE_SECONDS must be greater than zero"),
        ("API_TOKEN_MAX_AGE_SECONDS", "1h", "API_TOKEN_MAX_AGE_SECONDS must be a whole number"),
    ],
)
def test_a_bad_value_stops_with_one_clear_line(name: str, value: str, message: str) -> None:
    result = run_prod(**{name: value})
    assert result.returncode == 2
    assert result.stderr.startswith(f"Onair configuration error: {message}")
    assert len(result.stderr.splitlines()) == 1, result.stderr
