"""Liveness and readiness probes."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client: Client) -> None:
    with mock.patch("config.health._database", side_effect=AssertionError("not called")):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_when_all_is_well(client: Client, media_root: Path) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "storage": "ok", "broker": "ok"}
    # The storage probe cleans up after itself.
    assert not [p for p in media_root.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("target", "error", "failed"),
    [
        ("django.core.files.storage.default_storage.save", PermissionError("read-only"), "storage"),
        ("config.health._database", OperationalError("database is locked"), "database"),
        ("config.health._broker", RuntimeError("broker did not answer"), "broker"),
    ],
)
def test_readyz_names_what_failed(
    client: Client, target: str, error: Exception, failed: str
) -> None:
    with mock.patch(target, side_effect=error):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body[failed] == f"failed: {type(error).__name__}"
    assert [name for name, value in body.items() if value != "ok"] == [failed]
    assert "Traceback" not in response.content.decode()


def test_readyz_with_an_unwritable_media_root(client: Client, settings, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(blocker)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["storage"].startswith("failed: ")
