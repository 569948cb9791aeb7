"""Upload rate limits, per user and per client address.

Accepted and refused uploads are counted apart: a client whose uploads keep being refused
(a fuzzer, a script with a bug) meets its own, more generous limit, and never uses up the
allowance of real uploads (one fuzz run once locked a user out of uploading for an hour).
An upload is counted in both before it is read, so that uploads sent all at once meet the
limits too; once its fate is known, it is given back to the count it does not belong to.
"""

from __future__ import annotations

from config.ratelimit import (
    AnyRequest,
    Limit,
    Reservation,
    address_counter,
    describe_rate,
    reserve,
    try_again,
)

UPLOADS = Limit("uploads", "RATE_UPLOADS")
UPLOADS_REFUSED = Limit("uploads-refused", "RATE_UPLOADS_REFUSED")
WHAT = {UPLOADS: "uploads", UPLOADS_REFUSED: "refused uploads"}


def upload_attempt(request: AnyRequest) -> Reservation:
    """Count an upload as accepted and as refused, for the user and for the address."""
    keys = (f"user:{request.user.pk}", address_counter(request))
    return reserve((UPLOADS, keys), (UPLOADS_REFUSED, keys))


def upload_refusal(attempt: Reservation) -> tuple[int, str] | None:
    """Return (seconds to wait, message) when the upload is over a limit, else None."""
    if not attempt.over:
        return None
    limit, wait = attempt.over[0]
    rate = describe_rate(limit.rate)
    return wait, f"Too many {WHAT[limit]} (the limit is {rate}). {try_again(wait)}"


def upload_counted(attempt: Reservation, *, accepted: bool) -> None:
    """Keep the upload in the count it belongs to (call it whatever happened, once)."""
    attempt.give_back(UPLOADS_REFUSED if accepted else UPLOADS)
