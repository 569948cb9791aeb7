"""Settings of the server the API fuzz test runs: the test settings without rate limits.

A limit reached halfway through would turn the rest of the run into 429s (documented, so no
failure, but nothing behind them would be tested) and make results depend on the order.
"""

from config.settings.test import *  # noqa: F403

RATE_SIGNIN_FAILURES = RATE_SIGNIN_FAILURES_ADDRESS = "1000000/m"
RATE_SIGNUPS = RATE_SIGNUPS_REFUSED = "1000000/m"
RATE_UPLOADS = RATE_UPLOADS_REFUSED = "1000000/m"
RATE_KEY_ROTATIONS = RATE_CHANNEL_CREATES = RATE_CHANNEL_IMAGES = "1000000/m"
RATE_CHAT_TICKETS = "1000000/m"
LIVE_CHANNELS_PER_USER = 1000000  # every valid channel the fuzzer sends is created
QUOTA_STORAGE_BYTES = QUOTA_QUEUED_MINUTES = 0  # none
