"""Limits on guessing passwords and on creating accounts, counted per client address."""

from __future__ import annotations

from config.ratelimit import AnyRequest, Limit, address_key, client_address, try_again

# Failed sign-ins for one account from one address, and from one address over all accounts.
# Never for an account alone: then a stranger's guesses would lock the owner out everywhere.
SIGN_IN_FAILURES = Limit("signin-account", "RATE_SIGNIN_FAILURES")
SIGN_IN_FAILURES_ADDRESS = Limit("signin-address", "RATE_SIGNIN_FAILURES_ADDRESS")
SIGNUPS = Limit("signups", "RATE_SIGNUPS")
SIGNUPS_REFUSED = Limit("signups-refused", "RATE_SIGNUPS_REFUSED")


def _address(request: AnyRequest) -> str:
    return f"address:{address_key(client_address(request))}"


def _account(request: AnyRequest, username: str) -> str:
    # casefold: "Alice" and "alice" are one counter, so case games buy no extra guesses.
    return f"account:{username.casefold()}\x00{_address(request)}"


def sign_in_wait(request: AnyRequest, username: str) -> int:
    """Return the seconds this address must wait before trying ``username`` again (0: none)."""
    return max(
        SIGN_IN_FAILURES.wait(_account(request, username)),
        SIGN_IN_FAILURES_ADDRESS.wait(_address(request)),
    )


def sign_in_failed(request: AnyRequest, username: str) -> None:
    """Count a wrong username or password."""
    SIGN_IN_FAILURES.hit(_account(request, username))
    SIGN_IN_FAILURES_ADDRESS.hit(_address(request))


def sign_in_succeeded(request: AnyRequest, username: str) -> None:
    """Forget the account's failures from this address (not the address's: it may spray)."""
    SIGN_IN_FAILURES.reset(_account(request, username))


def sign_in_refusal(wait: int) -> str:
    return f"Too many failed sign-ins. {try_again(wait)}"


def signup_wait(request: AnyRequest) -> int:
    """Return the seconds this address must wait before signing up again (0: none)."""
    return max(SIGNUPS.wait(_address(request)), SIGNUPS_REFUSED.wait(_address(request)))


def signup_counted(request: AnyRequest, *, accepted: bool) -> None:
    """Count a sign-up: accounts created and refused forms have limits of their own."""
    (SIGNUPS if accepted else SIGNUPS_REFUSED).hit(_address(request))


def signup_refusal(wait: int) -> str:
    return f"Too many sign-ups from your network. {try_again(wait)}"
