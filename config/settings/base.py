"""Every setting of Onair; dev, test and prod only override a few of them."""

from __future__ import annotations

import sys
from pathlib import Path

import django_stubs_ext

from config.aws import checks as aws_checks
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
    if AWS_S3_CUSTOM_DOMAIN and not env.str("AWS_CLOUDFRONT_KEY_PAIR_ID", default=""):
        # Private media then comes from S3 presigned URLs on the bucket's own endpoint.
        MEDIA_ORIGINS.append(media_origin(None, AWS_S3_ENDPOINT_URL, AWS_STORAGE_BUCKET_NAME))
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

# --- private media (catalog.media_grants, catalog.s3, catalog.cloudfront; checks in
# catalog.checks). How long a private file's signed URL works, past the length of the
# playlist it is in (a player fetches a video's last segment that much later).
MEDIA_SIGNED_URL_SECONDS = positive_int("MEDIA_SIGNED_URL_SECONDS", 600)
AWS_CLOUDFRONT_KEY_PAIR_ID = env.str("AWS_CLOUDFRONT_KEY_PAIR_ID", default="").strip()
AWS_CLOUDFRONT_PRIVATE_KEY = env.str("AWS_CLOUDFRONT_PRIVATE_KEY", default="", multiline=True)
AWS_CLOUDFRONT_PRIVATE_KEY_FILE = env.str("AWS_CLOUDFRONT_PRIVATE_KEY_FILE", default="")
if AWS_CLOUDFRONT_PRIVATE_KEY_FILE:
    try:
        AWS_CLOUDFRONT_PRIVATE_KEY = Path(AWS_CLOUDFRONT_PRIVATE_KEY_FILE).read_text()
    except OSError as exc:
        fail(f"AWS_CLOUDFRONT_PRIVATE_KEY_FILE cannot be read: {exc.strerror}.")
AWS_CLOUDFRONT_DISTRIBUTION_ID = env.str("AWS_CLOUDFRONT_DISTRIBUTION_ID", default="").strip()

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
TRANSCODER_BACKENDS = {
    "ffmpeg": "catalog.transcoding.backends.ffmpeg.FFmpegTranscoder",
    "mediaconvert": "catalog.transcoding.backends.mediaconvert.MediaConvertTranscoder",
}
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

# --- AWS events (EventBridge → SNS → /hooks/aws/sns/) and MediaConvert (docs/aws.md) ---
# The SNS topics whose messages the webhook accepts; empty: the webhook answers 404.
AWS_SNS_TOPIC_ARNS = [a.strip() for a in env.list("AWS_SNS_TOPIC_ARNS", default=[]) if a.strip()]
AWS_SNS_MAX_AGE_SECONDS = positive_int("AWS_SNS_MAX_AGE_SECONDS", 3600)  # older: a replay
AWS_SNS_MAX_BODY_BYTES = 512 * 1024  # an SNS message is at most 256 KB, JSON-escaped here
AWS_MEDIACONVERT_ROLE_ARN = env.str("AWS_MEDIACONVERT_ROLE_ARN", default="")
AWS_MEDIACONVERT_QUEUE_ARN = env.str("AWS_MEDIACONVERT_QUEUE_ARN", default="")  # "": Default
AWS_MEDIACONVERT_REGION = env.str(
    "AWS_MEDIACONVERT_REGION", default=globals().get("AWS_S3_REGION_NAME") or ""
)
AWS_MEDIACONVERT_ENDPOINT = env.str("AWS_MEDIACONVERT_ENDPOINT", default="")  # "": regional
# A remote job not heard of (event or poll) for this long is queued again as a new attempt.
TRANSCODE_REMOTE_LEASE_SECONDS = positive_int("TRANSCODE_REMOTE_LEASE_SECONDS", 600)
_aws_problems = aws_checks.sns_problems(AWS_SNS_TOPIC_ARNS)
if TRANSCODER == "mediaconvert":
    _aws_problems += aws_checks.mediaconvert_problems(
        storage_backend=STORAGE_BACKEND, bucket=globals().get("AWS_STORAGE_BUCKET_NAME", ""),
        role_arn=AWS_MEDIACONVERT_ROLE_ARN, queue_arn=AWS_MEDIACONVERT_QUEUE_ARN,
        region=AWS_MEDIACONVERT_REGION, endpoint=AWS_MEDIACONVERT_ENDPOINT,
        topic_arns=AWS_SNS_TOPIC_ARNS,
    )  # fmt: skip
for _problem in _aws_problems[:-1]:  # every problem on its own line, then stop
    sys.stderr.write(f"Onair configuration error: {_problem}\n")
if _aws_problems:
    fail(_aws_problems[-1])

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

# --- live channels (config/settings/live.py) and AI moderation (config/settings/moderation.py) ---
from config.settings.live import *  # noqa: E402, F403
from config.settings.live import IVS_REGION, LIVE_BACKEND  # noqa: E402
from config.settings.moderation import *  # noqa: E402, F403

if LIVE_BACKEND == "ivs" or IVS_REGION:  # players fetch IVS channels' live HLS from IVS
    MEDIA_ORIGINS = [*MEDIA_ORIGINS, "https://*.live-video.net"]

# --- API ---
# API tokens stop working this many seconds after they were issued; unset: they never expire.
# (A password change always revokes them.)
API_TOKEN_MAX_AGE_SECONDS = optional_positive_int("API_TOKEN_MAX_AGE_SECONDS")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
        # Site-banned users' writes are refused with the ban's reason and end (moderation).
        "accounts.restrictions.NotRestricted",
    ],
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
RATE_REPORTS = rate("RATE_REPORTS", "30/h")  # viewers' reports (POST /api/reports/), per user
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
