"""``manage.py check`` names each missing or inconsistent private-media setting in one line."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

from catalog.checks import private_media_settings


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


S3 = {"STORAGE_BACKEND": "s3", "AWS_S3_CUSTOM_DOMAIN": "cdn.example.com"}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, []),
        ({**S3, "AWS_CLOUDFRONT_DISTRIBUTION_ID": "E1", "KEY": True, "ID": True}, []),
        ({**S3, "AWS_CLOUDFRONT_DISTRIBUTION_ID": "E1", "ID": True}, ["catalog.E101"]),
        ({**S3, "AWS_CLOUDFRONT_DISTRIBUTION_ID": "E1", "KEY": True}, ["catalog.E102"]),
        ({**S3, "AWS_CLOUDFRONT_DISTRIBUTION_ID": "E1", "ID": True,
          "AWS_CLOUDFRONT_PRIVATE_KEY": "-----BEGIN nonsense"}, ["catalog.E103"]),
        ({"STORAGE_BACKEND": "s3", "AWS_S3_CUSTOM_DOMAIN": None, "ID": True, "KEY": True},
         ["catalog.E104"]),
        ({"ID": True, "KEY": True}, ["catalog.W101"]),
        (S3, ["catalog.W102"]),
    ],
)  # fmt: skip
def test_each_problem_is_one_message(
    settings: Any, pem: str, values: dict[str, Any], expected: list[str]
) -> None:
    settings.STORAGE_BACKEND = "local"
    settings.AWS_S3_CUSTOM_DOMAIN = None
    settings.AWS_CLOUDFRONT_KEY_PAIR_ID = "K2JCJMDEHXQW5F" if values.pop("ID", False) else ""
    settings.AWS_CLOUDFRONT_PRIVATE_KEY = pem if values.pop("KEY", False) else ""
    settings.AWS_CLOUDFRONT_DISTRIBUTION_ID = ""
    for name, value in values.items():
        setattr(settings, name, value)
    messages = private_media_settings()
    assert [m.id for m in messages] == expected
    assert all("\n" not in m.msg for m in messages)


def test_an_unreadable_key_file_stops_start_up_with_one_line(tmp_path: Any) -> None:
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin",
           "AWS_CLOUDFRONT_PRIVATE_KEY_FILE": str(tmp_path / "missing.pem")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Onair configuration error: AWS_CLOUDFRONT_PRIVATE_KEY_FILE cannot be read: "
        "No such file or directory."
    ]
