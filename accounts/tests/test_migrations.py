"""A new database is ready after `migrate` alone: tables, and the cache the limits count in."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# Variables that would point the commands elsewhere than the fresh database below.
CLEARED = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")


def manage(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_migrate_alone_creates_the_cache_table(tmp_path: Path) -> None:
    database = tmp_path / "fresh.sqlite3"
    manage(database, "migrate", "--noinput", "-v", "0")
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "onair_cache" in tables
    # The rate limits' counters work at once.
    script = "from django.core.cache import cache; cache.set('k', 7); print(cache.get('k'))"
    assert manage(database, "shell", "-v", "0", "-c", script).stdout == "7\n"
