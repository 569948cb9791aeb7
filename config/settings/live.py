"""Settings of live channels (live/): the built-in RTMP ingest and packager, or Amazon IVS.

Part of config/settings/base.py, which imports every name from here.
"""

from __future__ import annotations

from config.env import VAR_DIR, choice, env, positive_int

LIVE_BACKEND = choice("LIVE_BACKEND", "local", ("local", "ivs"))
LIVE_BACKENDS = {
    "local": "live.backends.local.LocalLiveBackend",
    "ivs": "live.backends.ivs.IvsLiveBackend",
}
# Amazon IVS (docs/aws.md): the site-wide default with LIVE_BACKEND=ivs, or per channel by an
# operator in the admin. `manage.py check` reports what is missing (live/ivs/checks.py).
IVS_REGION = env.str("IVS_REGION", default="")
IVS_CHANNEL_TYPE = choice(
    "IVS_CHANNEL_TYPE", "STANDARD", ("standard", "basic", "advanced_sd", "advanced_hd")
).upper()
# Recordings: one shared recording configuration (recommended: IVS allows few per region),
# or a bucket in which each channel gets its own (deleted with the channel).
IVS_RECORDING_CONFIGURATION_ARN = env.str("IVS_RECORDING_CONFIGURATION_ARN", default="")
IVS_RECORDING_BUCKET = env.str("IVS_RECORDING_BUCKET", default="")
# IVS resources cost money: with this, new IVS channels wait for an operator's approval.
IVS_REQUIRE_APPROVAL = env.bool("IVS_REQUIRE_APPROVAL", default=False)
IVS_CHAT_SESSION_MINUTES = positive_int("IVS_CHAT_SESSION_MINUTES", 60)  # IVS allows 1-180
IVS_ENDPOINT_URL = env.str("IVS_ENDPOINT_URL", default="") or None  # a VPC endpoint, moto
IVSCHAT_ENDPOINT_URL = env.str("IVSCHAT_ENDPOINT_URL", default="") or None
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
