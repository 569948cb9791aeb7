"""`manage.py check` names each missing or inconsistent IVS setting in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings

from live.ivs.checks import ivs_settings
from live.tests.ivs_helpers import RECORDING_ARN

pytestmark = pytest.mark.database_free


@pytest.fixture
def ivs(settings: Any) -> Any:
    """A consistent IVS configuration; each test breaks one thing."""
    settings.LIVE_BACKEND = "ivs"
    settings.IVS_REGION = "us-west-2"
    settings.IVS_RECORDING_CONFIGURATION_ARN = RECORDING_ARN
    settings.IVS_RECORDING_BUCKET = ""
    settings.STORAGE_BACKEND = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = "onair-media"
    settings.AWS_LOCATION = ""
    settings.IVS_CHAT_SESSION_MINUTES = 60
    return settings


def messages() -> list[str]:
    return [f"{e.id} {e.msg}" for e in ivs_settings()]


def test_the_embedded_default_needs_nothing(settings: Any) -> None:
    settings.LIVE_BACKEND, settings.IVS_REGION = "local", ""
    assert messages() == []


def test_a_consistent_configuration_passes(ivs: Any) -> None:
    assert messages() == []
    ivs.IVS_RECORDING_CONFIGURATION_ARN, ivs.IVS_RECORDING_BUCKET = "", "onair-media"
    assert messages() == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"IVS_REGION": ""}, "live.E101 LIVE_BACKEND=ivs needs IVS_REGION"),
        ({"IVS_RECORDING_CONFIGURATION_ARN": ""}, "live.E102 Amazon IVS needs"),
        ({"IVS_RECORDING_BUCKET": "onair-media"}, "live.E103 Set IVS_RECORDING_CONFIGURATION"),
        ({"IVS_RECORDING_CONFIGURATION_ARN": "arn:aws:s3:::x"}, "live.E104 "),
        ({"IVS_REGION": "eu-west-1"}, "live.E105 IVS_RECORDING_CONFIGURATION_ARN is in us-west-2"),
        ({"STORAGE_BACKEND": "local"}, "live.E106 Amazon IVS records to S3"),
        (
            {"IVS_RECORDING_CONFIGURATION_ARN": "", "IVS_RECORDING_BUCKET": "elsewhere"},
            "live.E107 IVS_RECORDING_BUCKET (elsewhere) must be the media bucket",
        ),
        ({"AWS_LOCATION": "media"}, "live.E108 "),
        ({"IVS_CHAT_SESSION_MINUTES": 181}, "live.E109 "),
    ],
)
def test_each_problem_is_one_line(ivs: Any, change: dict[str, Any], expected: str) -> None:
    for name, value in change.items():
        setattr(ivs, name, value)
    found = messages()
    assert len(found) == 1 and found[0].startswith(expected), found
    assert "\n" not in found[0]


def test_manage_py_check_prints_them() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IVS_", "STORAGE_"))}
    env |= {"LIVE_BACKEND": "ivs", "IVS_CHANNEL_TYPE": "basic"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, cwd=django_settings.BASE_DIR,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "(live.E101) LIVE_BACKEND=ivs needs IVS_REGION" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_csp_lets_players_fetch_ivs_playback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IVS_", "STORAGE_"))}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['media-src'])"
    )
    for variables, allowed in (({"IVS_REGION": "us-west-2"}, True), ({}, False)):
        result = subprocess.run(
            [sys.executable, "-c", code], env=env | variables, cwd=django_settings.BASE_DIR,
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        assert ("https://*.live-video.net" in result.stdout) is allowed
