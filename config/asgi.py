"""ASGI entry point: HTTP through Django (behind the upload-size guard), and websockets.

Websocket routes come from the module ``WEBSOCKET_URLCONF`` names (the live app's), by
dotted path as ``ROOT_URLCONF`` does: config sits below the apps and imports none of them.
Sockets from pages of other origins are refused, and the session cookie identifies the user
(``scope["user"]``); sockets without an Origin are anonymous (config/websocket_origin.py).
"""

import gc
import os
from importlib import import_module

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config import warmup  # noqa: E402
from config.upload_guard import guard  # noqa: E402
from config.websocket_origin import BrowserOriginValidator  # noqa: E402

websocket_routes = import_module(settings.WEBSOCKET_URLCONF).websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": guard(django_asgi),
        "websocket": BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_routes))),
    }
)

warmup.run()  # models and caches the first request would otherwise wait for

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: move
# it out of the garbage collector's sight. Otherwise each full collection walks it again,
# ~190 ms with 1 000 chat sockets open, and stalls every socket meanwhile (bench/chat_fanout.py:
# p99 157–203 ms without this, 54 ms with it).
gc.freeze()
