"""Chat tickets: how a client without a browser's Origin (an app, a script) signs in to a socket.

``POST /api/channels/{slug}/chat-ticket/`` (token or session auth) returns a ticket; the client
connects to ``/ws/chat/{slug}/?ticket=…`` within ``TICKET_SECONDS``. A ticket works once, on
that channel only, so the URL (which proxies log) never holds a credential worth stealing. The
table holds a digest of each ticket, not the ticket.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from live.models import Channel, ChatTicket

TICKET_SECONDS = 60
_TICKET_BYTES = 32
_TICKET_MAX_CHARS = 64


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def ticket_issue(*, channel: Channel, user: User) -> tuple[str, datetime]:
    """Return a new single-use ticket for ``user`` on ``channel``, and when it expires."""
    now = timezone.now()
    ChatTicket.objects.filter(expires__lt=now).delete()  # an indexed range: the table stays small
    ticket = secrets.token_urlsafe(_TICKET_BYTES)
    expires = now + timedelta(seconds=TICKET_SECONDS)
    ChatTicket.objects.create(digest=_digest(ticket), channel=channel, user=user, expires=expires)
    return ticket, expires


def ticket_redeem(*, channel_id: str, ticket: object) -> User | None:
    """Return the active user a valid, unused ticket for this channel names; it is used up.

    Of two sockets racing with the same ticket, only the one whose delete removed the row
    gets the user.
    """
    if not isinstance(ticket, str) or not 0 < len(ticket) <= _TICKET_MAX_CHARS:
        return None
    rows = ChatTicket.objects.filter(
        digest=_digest(ticket), channel_id=channel_id, expires__gt=timezone.now()
    )
    row = rows.select_related("user").first()
    if row is None:
        return None
    deleted, _ = ChatTicket.objects.filter(pk=row.pk).delete()
    if not deleted or not row.user.is_active:
        return None
    return row.user
