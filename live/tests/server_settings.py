"""Settings of the uvicorn servers the live browser tests open (websockets need ASGI).

The test settings, plus static files from the finders: the pages load live.js and the
player bundle, and tests run no collectstatic.
"""

from config.settings.test import *  # noqa: F403

SERVESTATIC_USE_FINDERS = True
