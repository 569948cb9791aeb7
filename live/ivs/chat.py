"""IVS Chat beside the site's own chat: tokens by role, and bans mirrored to the room.

The two chats are not bridged message by message: clients using the IVS chat SDK talk in
the channel's IVS room, browsers on the site in its own chat. Who may join, and with what
powers, is decided here by the same roles and bans as the site's chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from accounts.models import User
from live.backends.ivs import AwsError, aws_message
from live.chat.roles import role_of
from live.errors import NotProvisioned, ProvisioningFailed
from live.ivs import clients
from live.ivs.checks import SESSION_MINUTES_MAX
from live.models import Channel
from moderation.models import Ban

log = logging.getLogger(__name__)

VIEWER = ["SEND_MESSAGE"]
MODERATOR = ["SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"]


@dataclass(frozen=True)
class ChatToken:
    token: str
    token_expires: datetime
    session_expires: datetime
    capabilities: list[str]


def region() -> str:
    """Return the region of the IVS Chat rooms (the SDK's endpoint is built from it)."""
    return str(settings.IVS_REGION)


def room_of(channel: Channel) -> str:
    """Return the channel's IVS Chat room ARN, or raise NotProvisioned."""
    room = (channel.backend_data or {}).get("room_arn")
    if channel.backend != Channel.Backend.IVS or not room:
        raise NotProvisioned("This channel has no IVS chat room; use the site's chat.")
    return str(room)


def token_create(*, channel: Channel, user: User) -> ChatToken:
    """Ask IVS Chat for a token for ``user`` (already checked for bans by the caller)."""
    room = room_of(channel)
    capabilities = MODERATOR if role_of(user, channel).moderates else VIEWER
    minutes = min(settings.IVS_CHAT_SESSION_MINUTES, SESSION_MINUTES_MAX)
    try:
        answer = clients.ivschat().create_chat_token(
            roomIdentifier=room,
            userId=str(user.pk),
            capabilities=capabilities,
            sessionDurationInMinutes=minutes,
            attributes={"username": user.get_username()[:100]},
        )
    except AwsError as exc:
        raise ProvisioningFailed(f"IVS Chat refused a token ({aws_message(exc)}).") from exc
    return ChatToken(
        token=answer["token"],
        token_expires=answer["tokenExpirationTime"],
        session_expires=answer["sessionExpirationTime"],
        capabilities=capabilities,
    )


def _disconnect(room: str, user_id: int, reason: str) -> None:
    try:
        clients.ivschat().disconnect_user(
            roomIdentifier=room, userId=str(user_id), reason=reason[:256]
        )
    except AwsError as exc:  # the site's ban stands; only the mirror failed
        log.error(
            "IVS Chat could not disconnect user %s from %s: %s", user_id, room, aws_message(exc)
        )


def on_ban_issued(sender: object, *, ban: Ban, **kwargs: Any) -> None:
    """Disconnect the banned user from the IVS room(s) the ban covers (their token is refused
    from now on by the chat-token endpoint)."""
    reason = "Banned from this chat." if ban.scope == Ban.Scope.CHANNEL else "Banned from the site."
    channels = Channel.objects.filter(backend=Channel.Backend.IVS)
    if ban.scope == Ban.Scope.CHANNEL:
        channels = channels.filter(pk=ban.channel_id)
    else:  # a site ban: every room they may be in now (rooms of live channels)
        channels = channels.filter(is_live=True)
    for channel in channels:
        room = (channel.backend_data or {}).get("room_arn")
        if room:
            _disconnect(str(room), ban.user_id, reason)


def message_delete(*, channel: Channel, message_id: str, reason: str = "") -> None:
    """Delete a message from the channel's IVS room by IVS's message id (mirrors a deletion
    a moderator makes on the site about a message sent in the IVS room)."""
    room = room_of(channel)
    try:
        clients.ivschat().delete_message(roomIdentifier=room, id=message_id, reason=reason[:256])
    except AwsError as exc:
        raise ProvisioningFailed(
            f"IVS Chat could not delete the message ({aws_message(exc)})."
        ) from exc
