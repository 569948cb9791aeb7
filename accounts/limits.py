"""Limits on guessing passwords and on creating accounts, counted per client address.

Each attempt is counted before the password is checked or the account created, and given
back when it turns out not to count: so requests sent all at once meet the limit too.
"""

from __future__ import annotations

from config.ratelimit import (
    AnyRequest,
    Limit,
    Reservation,
    address_counter,
    reserve,
    try_again,
)

# Failed sign-ins for one account from one address, and from one address over all accounts.
# Never for an account alone: then a stranger's guesses would lock the owner out everywhere.
SIGN_IN_FAILURES = Limit("signin-account", "RATE_SIGNIN_FAILURES")
SIGN_IN_FAILURES_ADDRESS = Limit("signin-address", "RATE_SIGNIN_FAILURES_ADDRESS")
SIGNUPS = Limit("signups", "RATE_SIGNUPS")
SIGNUPS_REFUSED = Limit("signups-refused", "RATE_SIGNUPS_REFUSED")


def _account(request: AnyRequest, username: str) -> str:
    # casefold: "Alice" and "alice" are one counter, so case games buy no extra guesses.
    return f"account:{username.casefold()}\x00{address_counter(request)}"


def sign_in_attempt(request: AnyRequest, username: str) -> Reservation:
    """Count a sign-in as failed before the password is checked; ``wait`` > 0: refuse it.

    A wrong username or password leaves it counted. Then call ``sign_in_succeeded``, or
    ``sign_in_not_tried`` when no password was checked (a field missing, an account the
    admin refuses whatever the password).
    """
    return reserve(
        (SIGN_IN_FAILURES, (_account(request, username),)),
        (SIGN_IN_FAILURES_ADDRESS, (address_counter(request),)),
    )


def sign_in_succeeded(attempt: Reservation) -> None:
    """Forget the account's failures from this address (not the address's: it may spray)."""
    attempt.clear(SIGN_IN_FAILURES)
    attempt.give_back(SIGN_IN_FAILURES_ADDRESS)


def sign_in_not_tried(attempt: Reservation) -> None:
    """Uncount an attempt in which no password was checked: it guessed nothing."""
    attempt.give_back()


def sign_in_refusal(wait: int) -> str:
    return f"Too many failed sign-ins. {try_again(wait)}"


def signup_attempt(request: AnyRequest) -> Reservation:
    """Count a sign-up as both created and refused before the form is read; ``wait`` > 0: refuse.

    Then ``signup_counted`` keeps the count that applies.
    """
    address = (address_counter(request),)
    return reserve((SIGNUPS, address), (SIGNUPS_REFUSED, address))


def signup_counted(attempt: Reservation, *, accepted: bool) -> None:
    """Keep the sign-up in one count: accounts created and refused forms are limited apart."""
    attempt.give_back(SIGNUPS_REFUSED if accepted else SIGNUPS)


def signup_refusal(wait: int) -> str:
    return f"Too many sign-ups from your network. {try_again(wait)}"
