"""Which websockets may speak for a signed-in user.

Browsers always send ``Origin`` on a websocket handshake, and send the site's cookies with it
whatever page opened the socket, so a page on another site could otherwise chat as its
visitor (cross-site websocket hijacking). A handshake whose Origin is not one of
``ALLOWED_HOSTS`` is refused. A handshake without an Origin comes from an app or a script, not
a page: it is let in with its cookies removed, so it is anonymous unless it presents a
single-use chat ticket (live/chat/tickets.py), which the consumer checks.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """channels' ``AllowedHostsOriginValidator``, except for clients that send no Origin."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, [])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = scope.get("headers", [])
        if scope.get("type") == "websocket" and not any(name == b"origin" for name, _ in headers):
            scope = dict(scope, headers=[(n, v) for n, v in headers if n != b"cookie"])
            return await self.application(scope, receive, send)
        # Read for each handshake, as Django reads ALLOWED_HOSTS for each request.
        allowed = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed:
            allowed = ["localhost", "127.0.0.1", "[::1]"]
        self.allowed_origins = allowed
        return await super().__call__(scope, receive, send)
