"""Writes of accounts."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.authentication import token_refusal
from accounts.models import User
from catalog.services import video_delete


def user_delete(*, user: User) -> None:
    """Delete an account with its videos, and (after commit) every file they own."""
    with transaction.atomic():
        for video in user.videos.all():
            video_delete(video=video)
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
