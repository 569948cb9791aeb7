"""Writes of accounts."""

from __future__ import annotations

from typing import Protocol

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.authentication import token_refusal
from accounts.models import User


class UserCleanup(Protocol):
    def __call__(self, *, user: User) -> None: ...


# The apps built on accounts (the catalog today; live channels and music next) own rows and
# files of a user that a cascade of row deletes would leave behind in storage. Each one
# registers its cleanup from its AppConfig.ready(), so that accounts imports none of them.
_cleanups: list[UserCleanup] = []


def on_user_delete(cleanup: UserCleanup) -> None:
    """Have ``user_delete`` call ``cleanup(user=...)`` before it deletes the account."""
    if cleanup not in _cleanups:
        _cleanups.append(cleanup)


def user_delete(*, user: User) -> None:
    """Delete an account and what every app holds of it (files after commit)."""
    with transaction.atomic():
        for cleanup in _cleanups:
            cleanup(user=user)
        user.delete()


def api_token_issue(*, user: User) -> Token:
    """Return the account's API token, a new one if a password change or its age revoked it."""
    with transaction.atomic():
        # Locking the account makes two sign-ins at once agree on one token. Reading it back
        # also gets password_changed_at as stored: the caller's copy may carry an unsaved
        # one from a hash upgrade during sign-in, which is no password change.
        account = User.objects.select_for_update().get(pk=user.pk)
        token = Token.objects.filter(user=account).first()
        if token is not None:
            if token_refusal(token=token, user=account) is None:
                return token
            token.delete()
        return Token.objects.create(user=account)
