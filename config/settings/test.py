"""Tests: fast hashing, no outside mail, a short transcode lease."""

import os
import tempfile

from config.env import positive_int

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Tests run no collectstatic and fetch no static file through the test client (the live
# server serves them itself; test_static.py sets up its own). So ServeStatic indexes nothing:
# no missing STATIC_ROOT to warn about, no finder scan each time a test client starts.
SERVESTATIC_USE_FINDERS = False
SERVESTATIC_USE_STATIC_ROOT = False
# Short, so that takeover tests need not wait; a worker a test starts may be given a longer one.
TRANSCODE_LEASE_SECONDS = positive_int("TRANSCODE_LEASE_SECONDS", 5)
# A file database (not :memory:) so that worker subprocesses in the tests can share it;
# one per test process so that several runs on one machine do not collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"onair-test-{os.getpid()}.sqlite3")
    }
# A worker a test starts may be given a scripted classifier (moderation/tests/fakes.py), so that a
# real flow (a live picture classified "end the stream") can be driven end to end.
if os.environ.get("MODERATION_SCRIPTED_LABELS"):
    MODERATION_BACKENDS = {"local": "moderation.tests.fakes.ScriptedClassifier"}
