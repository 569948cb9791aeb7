"""ASGI entry point: HTTP through Django (behind the upload-size guard), websockets later."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.upload_guard import guard  # noqa: E402

application = ProtocolTypeRouter({"http": guard(django_asgi)})
