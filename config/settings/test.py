"""Tests: fast hashing, no outside mail, a short transcode lease."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Tests do not run collectstatic: WhiteNoise finds files through the finders, per request,
# instead of scanning a STATIC_ROOT that does not exist (which warns at start-up).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
TRANSCODE_LEASE_SECONDS = 5
# A file database (not :memory:) so that worker subprocesses in the tests can share it;
# one per test process so that several runs on one machine do not collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"onair-test-{os.getpid()}.sqlite3")
    }
