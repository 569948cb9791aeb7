"""The tests' Redis server: real, throwaway, on loopback, and a clear line when it is missing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import redis
from django.conf import settings

from config.tests.redis_server import MISSING

pytestmark = pytest.mark.database_free


def test_the_server_answers_on_loopback_and_keeps_nothing(redis_server: str) -> None:
    client = redis.Redis.from_url(redis_server)
    try:
        assert client.ping()
        assert client.config_get("bind") == {"bind": "127.0.0.1"}
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
    finally:
        client.close()


def test_without_redis_server_the_tests_say_how_to_install_it() -> None:
    venv_only = os.path.dirname(sys.executable)  # python and pytest, no redis-server
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            f"{__file__}::test_the_server_answers_on_loopback_and_keeps_nothing",
        ],
        env={**os.environ, "PATH": venv_only},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert MISSING in result.stdout
