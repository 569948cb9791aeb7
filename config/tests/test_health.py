"""Liveness and readiness probes."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError, connection
from django.test import Client

from config import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client: Client) -> None:
    with mock.patch("config.health._database", side_effect=AssertionError("not called")):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_when_all_is_well(client: Client, media_root: Path) -> None:
    with mock.patch.object(FileSystemStorage, "save", side_effect=AssertionError("a write")):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "storage": "ok", "broker": "ok"}
    assert not list(media_root.iterdir())  # the probe writes nothing


def test_readyz_before_the_media_folder_exists(client: Client, settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "not-yet" / "media")  # made by the first upload
    response = client.get("/readyz")
    assert (response.status_code, response.json()["storage"]) == (200, "ok")
    assert not (tmp_path / "not-yet").exists()


@pytest.mark.parametrize(
    ("target", "error", "failed"),
    [
        ("config.health._storage", PermissionError("read-only"), "storage"),
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


def test_readyz_with_a_file_where_the_media_folder_should_be(
    client: Client, settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(blocker)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["storage"] == "failed: NotADirectoryError"


def test_readyz_reads_the_task_queue_table(client: Client) -> None:
    # The ORM broker's own ping always says yes; a queue table it cannot read must not.
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE django_q_ormq RENAME TO django_q_ormq_away")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("failed: ")


def test_readyz_checks_at_most_every_few_seconds(client: Client, monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(health, "_clock", lambda: now[0])
    with mock.patch("config.health._database", wraps=health._database) as database:
        assert client.get("/readyz").status_code == 200
        database.side_effect = OperationalError("gone")
        now[0] += health.CACHE_SECONDS - 0.1
        assert client.get("/readyz").status_code == 200  # the remembered answer
        assert database.call_count == 1
        now[0] += 0.1
        response = client.get("/readyz")
        assert (response.status_code, response.json()["database"]) == (
            503,
            "failed: OperationalError",
        )
        assert database.call_count == 2
