"""Rate limits of channel management, per user (config/ratelimit.py counts them).

Each guards a write that costs more than a row: a key rotation cuts a live publisher off
(and at IVS is an API call), a new channel may provision one at IVS, and an image upload is
decoded and re-encoded. Counted before the work, given back when it is refused for another
reason, so that requests sent at once meet the limit too.
"""

from __future__ import annotations

from config.ratelimit import Limit, Reservation, describe_rate, reserve, try_again

KEY_ROTATIONS = Limit("key-rotations", "RATE_KEY_ROTATIONS")
CHANNEL_CREATES = Limit("channel-creates", "RATE_CHANNEL_CREATES")
CHANNEL_IMAGES = Limit("channel-images", "RATE_CHANNEL_IMAGES")
CHAT_TICKETS = Limit("chat-tickets", "RATE_CHAT_TICKETS")
WHAT = {
    KEY_ROTATIONS: "stream key rotations",
    CHANNEL_CREATES: "new channels",
    CHANNEL_IMAGES: "channel image uploads",
    CHAT_TICKETS: "chat tickets",
}


def attempt(limit: Limit, user_id: object) -> Reservation:
    """Count one event of ``limit`` for the user now; ``over`` says whether it is refused."""
    return reserve((limit, (f"user:{user_id}",)))


def refusal(reservation: Reservation) -> tuple[int, str] | None:
    """Return (seconds to wait, message) when the event is over its limit, else ``None``."""
    if not reservation.over:
        return None
    limit, wait = reservation.over[0]
    return (
        wait,
        f"Too many {WHAT[limit]} (the limit is {describe_rate(limit.rate)}). {try_again(wait)}",
    )
