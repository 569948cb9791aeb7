"""Settings of the server the API fuzz test runs: the test settings without rate limits.

A limit reached halfway through would turn the rest of the run into 429s (documented, so no
failure, but nothing behind them would be tested) and make results depend on the order.
"""

from typing import Any, cast

from config.settings.test import *  # noqa: F403
from config.settings.test import REST_FRAMEWORK

_rates = cast(dict[str, Any], REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {scope: "1000000/minute" for scope in _rates},
}
