"""Bans take effect at once: the banned user's sockets close on every process, a banned
streamer's stream ends. Connected to ``moderation.hooks`` in ``LiveConfig.ready``, so a ban
from the chat, the API, the admin or the AI moderation app all act the same way."""

from __future__ import annotations

import logging
from typing import Any

from live import services
from live.chat import events, frames
from live.errors import NotLive
from live.models import Channel, LiveSession
from moderation.models import Ban

log = logging.getLogger(__name__)


def on_ban_issued(sender: object, *, ban: Ban, **kwargs: Any) -> None:
    frame = frames.ban_frame(username=ban.user.get_username(), until=ban.until)
    if ban.scope == Ban.Scope.CHANNEL and ban.channel_id is not None:
        events.announce(ban.channel_id, frame, close_user=ban.user_id)
        return
    events.announce_site_ban(ban.user_id, frame)
    # A streamer banned from the site stops streaming now (the ingest refuses them from now on).
    for channel in Channel.objects.filter(owner_id=ban.user_id, is_live=True):
        try:
            services.session_request_end(channel=channel, reason=LiveSession.EndReason.BANNED)
        except NotLive:
            pass
        except Exception:
            log.exception(
                "Could not end the stream of banned user %s on %s", ban.user_id, channel.pk
            )
