"""Upload rate limits, per user and per client address.

Accepted and refused uploads are counted apart: a client whose uploads keep being refused
(a fuzzer, a script with a bug) meets its own, more generous limit, and never uses up the
allowance of real uploads (one fuzz run once locked a user out of uploading for an hour).
"""

from __future__ import annotations

from config.ratelimit import (
    AnyRequest,
    Limit,
    address_key,
    client_address,
    describe_rate,
    try_again,
)

UPLOADS = Limit("uploads", "RATE_UPLOADS")
UPLOADS_REFUSED = Limit("uploads-refused", "RATE_UPLOADS_REFUSED")


def _keys(request: AnyRequest) -> tuple[str, str]:
    return f"user:{request.user.pk}", f"address:{address_key(client_address(request))}"


def upload_refusal(request: AnyRequest) -> tuple[int, str] | None:
    """Return (seconds to wait, message) when this user or address may not upload now."""
    keys = _keys(request)
    for limit, what in ((UPLOADS, "uploads"), (UPLOADS_REFUSED, "refused uploads")):
        wait = limit.wait(*keys)
        if wait:
            return (
                wait,
                f"Too many {what} (the limit is {describe_rate(limit.rate)}). {try_again(wait)}",
            )
    return None


def upload_counted(request: AnyRequest, *, accepted: bool) -> None:
    """Count an upload against the user and the address: accepted and refused apart."""
    (UPLOADS if accepted else UPLOADS_REFUSED).hit(*_keys(request))
