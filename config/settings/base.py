"""Every setting of Onair; dev, test and prod only override a few of them."""

from __future__ import annotations

import django_stubs_ext

from config.env import (
    BASE_DIR,
    VAR_DIR,
    choice,
    database,
    env,
    fail,
    media_origin,
    non_negative_int,
    optional_positive_int,
    positive_int,
    rate,
)

django_stubs_ext.monkeypatch()  # lets generic classes (Form[Model]) be subscripted

# SECRET_KEY is set by dev/test (generated into var/) and prod (required).
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts.apps.OnairAdminConfig",  # django.contrib.admin, its sign-in limited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",  # before staticfiles: its runserver leaves static files to the middleware
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served from here: no CDN, CSP-safe
    "django_q",
    "channels",
    "csp",
    "accounts",
    "catalog",
    "live",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files, streamed asynchronously under ASGI (WhiteNoise's sync reads make Django warn).
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WEBSOCKET_URLCONF = "live.routing"  # websocket routes (config/asgi.py)
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalog:home"
LOGOUT_REDIRECT_URL = "catalog:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- database: SQLite by default, tuned for web + worker sharing one file ---
DATABASES = {"default": database(f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Close the connection at the end of each request, as Django says to under ASGI: each
    # request runs its sync code in a thread of its own, so a persistent connection
    # (CONN_MAX_AGE > 0) is never reused and stays open until garbage collection.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- files ---
MEDIA_ORIGINS: list[str] = []  # origins other than our own that serve media files
STORAGE_BACKEND = choice("STORAGE_BACKEND", "local", ("local", "s3"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
_static_backend = "config.static_storage.StaticStorage"
if STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        fail("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)  # MinIO, moto
    # MinIO and most S3-compatible servers want "path"; botocore's "auto" suits AWS.
    AWS_S3_ADDRESSING_STYLE = choice("AWS_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual"))
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default=None)  # CloudFront
    AWS_QUERYSTRING_AUTH = False  # outputs are public, and their URLs must not expire
    AWS_S3_FILE_OVERWRITE = False  # outputs are uniquely named; never replace one silently
    # Where browsers fetch media from: the CSP below must allow that origin.
    MEDIA_ORIGINS = [
        media_origin(AWS_S3_CUSTOM_DOMAIN, AWS_S3_ENDPOINT_URL, AWS_STORAGE_BUCKET_NAME)
    ]
    STORAGES = {
        # Sets Content-Type and Cache-Control per object (playlists short, segments immutable).
        "default": {"BACKEND": "catalog.s3.MediaS3Storage"},
        "staticfiles": {"BACKEND": _static_backend},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": _static_backend},
    }

# Uploads: files above 2.5 MB go to a temporary file, never whole into memory.
UPLOAD_MAX_BYTES = positive_int("UPLOAD_MAX_BYTES", 2 * 1024**3)
FILE_UPLOAD_TEMP_DIR = None
# Stored files for this app's user and group only (a web server that serves MEDIA_ROOT
# itself joins the group), never for every account on the machine.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
SUBTITLE_MAX_BYTES = 2 * 1024**2

# --- media pipeline ---
TRANSCODER = choice("TRANSCODER", "ffmpeg", ("ffmpeg", "mediaconvert"))
if TRANSCODER == "mediaconvert":  # refuse now rather than fail every upload later
    fail("TRANSCODER=mediaconvert is not available in this release yet; use ffmpeg.")
TRANSCODER_BACKENDS = {"ffmpeg": "catalog.transcoding.backends.ffmpeg.FFmpegTranscoder"}
TRANSCODE_WORK_DIR = env.path("TRANSCODE_WORK_DIR", default=str(VAR_DIR / "work"))
TRANSCODE_LEASE_SECONDS = positive_int("TRANSCODE_LEASE_SECONDS", 60)
TRANSCODE_TIMEOUT_SECONDS = positive_int("TRANSCODE_TIMEOUT_SECONDS", 4 * 3600)
TRANSCODE_MAX_ATTEMPTS = positive_int("TRANSCODE_MAX_ATTEMPTS", 3)
TRANSCODE_PRESET = env.str("TRANSCODE_PRESET", default="veryfast")
# Each ffmpeg run may use TRANSCODE_CPU_SECONDS of CPU time plus TRANSCODE_CPU_PER_SECOND per
# second of media for each stream it encodes (and the decoding); then the kernel stops it.
TRANSCODE_CPU_SECONDS = positive_int("TRANSCODE_CPU_SECONDS", 120)
TRANSCODE_CPU_PER_SECOND = positive_int("TRANSCODE_CPU_PER_SECOND", 4)
TRANSCODE_MEMORY_MB = positive_int("TRANSCODE_MEMORY_MB", 8192)  # address space of one run
MEDIA_MAX_DURATION_SECONDS = positive_int("MEDIA_MAX_DURATION_SECONDS", 6 * 3600)
MEDIA_MAX_DIMENSION = positive_int("MEDIA_MAX_DIMENSION", 8192)
# Music (docs/music.md): the tempo is measured on an excerpt of at most this many seconds,
# in a child process stopped after MUSIC_TEMPO_TIMEOUT_SECONDS (the track is kept, bpm null).
MUSIC_TEMPO_EXCERPT_SECONDS = positive_int("MUSIC_TEMPO_EXCERPT_SECONDS", 120)
MUSIC_TEMPO_TIMEOUT_SECONDS = positive_int("MUSIC_TEMPO_TIMEOUT_SECONDS", 120)

# --- task queue: django-q2 on the ORM broker (redelivers a task whose worker died) ---
Q_CLUSTER = {
    "name": "onair",
    "orm": "default",
    "workers": positive_int("Q_WORKERS", 2),
    "timeout": TRANSCODE_TIMEOUT_SECONDS,
    "retry": TRANSCODE_TIMEOUT_SECONDS + 60,
    # One attempt limit: TRANSCODE_MAX_ATTEMPTS, counted on the job row, which sees every
    # attempt. django-q2 counts only tasks that returned a result, never the attempt of a
    # worker that was killed (the case that matters), so its limit just follows ours.
    "max_attempts": TRANSCODE_MAX_ATTEMPTS,
    "ack_failures": True,
    "catch_up": False,
    "poll": 1,
    "save_limit": 1000,
    "label": "Tasks",
    # Time-critical live work (thumbnails, and the moderation that follows) has a cluster of
    # its own, started with Q_CLUSTER_NAME=live: it never waits behind an hour-long transcode.
    "ALT_CLUSTERS": {
        "live": {"workers": positive_int("Q_LIVE_WORKERS", 1), "timeout": 60, "retry": 90},
    },
}

# --- channels ---
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- cache: where rate-limit counters live ---
# Not LocMemCache: it is per process, so two web processes behind a load balancer would each
# count alone and let through twice the limit. The database cache needs nothing new (a
# migration, accounts 0003, makes its table); Redis when there is one. Many entries: culling
# would forget counters.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.AtomicDatabaseCache",  # an incr that cannot lose counts
            "LOCATION": "onair_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# django-q2 writes its cluster statistics to a cache twice a second: keep those in memory, as
# before, rather than in the SQLite file the web and worker share.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
Q_CLUSTER["cache"] = "local"

# --- live channels (live/): the built-in RTMP ingest and packager, or Amazon IVS ---
LIVE_BACKEND = choice("LIVE_BACKEND", "local", ("local", "ivs"))
if LIVE_BACKEND == "ivs":  # refuse now rather than fail every channel later
    fail("LIVE_BACKEND=ivs is not available in this release yet; use local.")
LIVE_BACKENDS = {"local": "live.backends.local.LocalLiveBackend"}
# Stream keys are encrypted and hashed under this secret (live/keys.py); unset: derived from
# DJANGO_SECRET_KEY. Changing it makes every stored stream key unreadable: rotate them after.
STREAM_KEY_SECRET = env.str("STREAM_KEY_SECRET", default="")
LIVE_CHANNELS_PER_USER = positive_int("LIVE_CHANNELS_PER_USER", 3)
# Where encoders publish: shown to streamers as the ingest URL (the key goes after it).
LIVE_INGEST_URL = env.str("LIVE_INGEST_URL", default="rtmp://127.0.0.1:1935/live")
LIVE_INGEST_HOST = env.str("LIVE_INGEST_HOST", default="127.0.0.1")  # what `ingest` binds
LIVE_INGEST_PORT = positive_int("LIVE_INGEST_PORT", 1935)
LIVE_WORK_DIR = env.path("LIVE_WORK_DIR", default=str(VAR_DIR / "live"))
# A dropped publisher may reconnect within this many seconds and continue the same session.
LIVE_RECONNECT_GRACE_SECONDS = positive_int("LIVE_RECONNECT_GRACE_SECONDS", 30)
# A publisher that sends no media for this long is dropped (and may be replaced at once).
LIVE_STALL_SECONDS = positive_int("LIVE_STALL_SECONDS", 5)
LIVE_THUMBNAIL_SECONDS = positive_int("LIVE_THUMBNAIL_SECONDS", 60)
LIVE_MIN_REPLAY_SECONDS = positive_int("LIVE_MIN_REPLAY_SECONDS", 5)  # shorter: no replay
LIVE_TRANSCODE_LADDER = env.bool("LIVE_TRANSCODE_LADDER", default=True)  # else copy only
LIVE_CONNECTIONS_PER_ADDRESS = positive_int("LIVE_CONNECTIONS_PER_ADDRESS", 10)
LIVE_IMAGE_MAX_BYTES = positive_int("LIVE_IMAGE_MAX_BYTES", 4 * 1024**2)
MODERATION_BACKEND = choice("MODERATION_BACKEND", "local", ("local", "rekognition", "off"))
MODERATION_BACKENDS = {
    "local": "moderation.backends.local.LocalClassifier",
    "rekognition": "moderation.backends.rekognition.RekognitionClassifier",
    "off": "moderation.backends.base.OffClassifier",
}

# --- API ---
# API tokens stop working this many seconds after they were issued; unset: they never expire.
# (A password change always revokes them.)
API_TOKEN_MAX_AGE_SECONDS = optional_positive_int("API_TOKEN_MAX_AGE_SECONDS")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # drf-spectacular's, plus the refusals every operation can answer (401, 404, 415, 429…).
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.AutoSchema",
    # Errors apps raise for users (config.api_errors.UserFacingError) become {"detail": …}.
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
}

# --- abuse limits: who the client is, how often it may act, how much a user may hold ---
# How many proxies of ours add to X-Forwarded-For; 0 (nobody): the header is ignored. DRF's
# throttles and config.ratelimit.client_address both read it.
NUM_PROXIES = non_negative_int("NUM_PROXIES", 0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
# Rates "N/window" (5/15m: at most 5 in each 15 minutes), counted in the cache above. Failed
# sign-ins count per account+address and per address, never per account alone: a stranger
# guessing from elsewhere must not lock the owner out.
RATE_SIGNIN_FAILURES = rate("RATE_SIGNIN_FAILURES", "5/15m")
RATE_SIGNIN_FAILURES_ADDRESS = rate("RATE_SIGNIN_FAILURES_ADDRESS", "30/15m")
RATE_SIGNUPS = rate("RATE_SIGNUPS", "5/h")  # accounts created, per address
RATE_SIGNUPS_REFUSED = rate("RATE_SIGNUPS_REFUSED", "30/h")
RATE_UPLOADS = rate("RATE_UPLOADS", "60/h")  # accepted uploads, per user and per address
RATE_UPLOADS_REFUSED = rate("RATE_UPLOADS_REFUSED", "300/h")  # refused ones, counted apart
# Per user: stream-key rotations (each cuts a live publisher off), channels created (each
# may provision a channel at IVS), channel image uploads (each decoded and re-encoded).
RATE_KEY_ROTATIONS = rate("RATE_KEY_ROTATIONS", "10/h")
RATE_CHANNEL_CREATES = rate("RATE_CHANNEL_CREATES", "10/h")
RATE_CHANNEL_IMAGES = rate("RATE_CHANNEL_IMAGES", "60/h")
# Chat tickets (an app's way into a chat socket), per user: a reconnecting app needs a few.
RATE_CHAT_TICKETS = rate("RATE_CHAT_TICKETS", "60/h")
# Per-user quotas (0: none); superusers have none.
QUOTA_STORAGE_BYTES = non_negative_int("QUOTA_STORAGE_BYTES", 20 * 1024**3)
QUOTA_QUEUED_MINUTES = non_negative_int("QUOTA_QUEUED_MINUTES", 300)
SPECTACULAR_SETTINGS = {
    "TITLE": "Onair API",
    "DESCRIPTION": "Video on demand, music and live channels.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so file fields show as binary uploads.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the visibility choices of videos and of channels' replays.
    "ENUM_NAME_OVERRIDES": {
        "VisibilityEnum": "catalog.models.Video.Visibility",
        "StatusEnum": "catalog.models.Video.Status",
    },
}

# --- security headers: a strict CSP on every page (no inline scripts anywhere) ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # No 'unsafe-inline': the player's shadow-DOM <style> elements are allowed by hash,
        # on player pages only (config.csp.allow_player_styles).
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *MEDIA_ORIGINS],
        "media-src": ["'self'", "blob:", *MEDIA_ORIGINS],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'", *MEDIA_ORIGINS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="onair@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
