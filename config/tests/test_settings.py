"""A bad configuration stops start-up with exit code 2 and one clear line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from catalog.transcoding.backends.base import Transcoder

SETUP = "import django; django.setup()"
# Variables the cases set, cleared first so the surrounding environment (CI's DATABASE_URL
# for the PostgreSQL run, a developer's secret key) cannot change the outcome.
CLEARED = (
    "STORAGE_BACKEND", "UPLOAD_MAX_BYTES", "DATABASE_URL", "TRANSCODER", "LIVE_BACKEND",
    "MODERATION_BACKEND", "AWS_STORAGE_BUCKET_NAME", "DJANGO_SECRET_KEY", "DJANGO_DEBUG",
    "MEDIA_ROOT", "Q_WORKERS", "IVS_CHANNEL_TYPE",
)  # fmt: skip


def start(module: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env |= {"DJANGO_SETTINGS_MODULE": module, **variables}
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_good_configuration_starts() -> None:
    result = start("config.settings.test", STORAGE_BACKEND="local", UPLOAD_MAX_BYTES="1024")
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("module", "variables", "message"),
    [
        ("dev", {"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND='ftp' is not one of local, s3."),
        ("dev", {"UPLOAD_MAX_BYTES": "abc"}, "UPLOAD_MAX_BYTES must be a whole number, got 'abc'."),
        ("dev", {"UPLOAD_MAX_BYTES": "-1"}, "UPLOAD_MAX_BYTES must be greater than zero, got -1."),
        ("dev", {"UPLOAD_MAX_BYTES": "1.5e9"}, "UPLOAD_MAX_BYTES must be a whole number"),
        ("dev", {"DATABASE_URL": "mysql://x"}, "DATABASE_URL must be sqlite:/// or postgres://"),
        ("dev", {"DATABASE_URL": "nonsense"}, "DATABASE_URL must be sqlite:/// or postgres://"),
        ("dev", {"TRANSCODER": "foo"}, "TRANSCODER='foo' is not one of ffmpeg, mediaconvert."),
        (
            "dev",
            {
                "TRANSCODER": "mediaconvert",
                "STORAGE_BACKEND": "s3",
                "AWS_STORAGE_BUCKET_NAME": "media",
                "AWS_S3_REGION_NAME": "eu-west-1",
                "AWS_SNS_TOPIC_ARNS": "arn:aws:sns:eu-west-1:123456789012:onair-events",
            },
            "TRANSCODER=mediaconvert needs AWS_MEDIACONVERT_ROLE_ARN",
        ),
        ("dev", {"LIVE_BACKEND": "rtsp"}, "LIVE_BACKEND='rtsp' is not one of local, ivs."),
        ("dev", {"IVS_CHANNEL_TYPE": "huge"}, "IVS_CHANNEL_TYPE='huge' is not one of standard,"),
        ("dev", {"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME."),
        ("dev", {"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG='maybe' is not a yes/no value"),
        ("dev", {"MEDIA_ROOT": " "}, "MEDIA_ROOT is set but empty"),
        ("prod", {}, "DJANGO_SECRET_KEY must be set in production."),
    ],
)
def test_bad_configuration_stops_with_one_clear_line(
    module: str, variables: dict[str, str], message: str
) -> None:
    result = start(f"config.settings.{module}", **variables)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Onair configuration error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_manage_py_check_reports_the_same_way() -> None:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED} | {"TRANSCODER": "x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "Onair configuration error: TRANSCODER='x' is not one of ffmpeg, mediaconvert.\n"
    )


def test_every_named_transcoder_backend_exists() -> None:
    # A name that start-up accepts must lead to a class.
    for name, path in settings.TRANSCODER_BACKENDS.items():
        assert isinstance(import_string(path)(), Transcoder), name
