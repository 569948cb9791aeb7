"""API token authentication that honours password changes and an optional token lifetime."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.models import User


def token_refusal(*, token: Token, user: User) -> str | None:
    """Say why ``token`` no longer signs ``user`` in, or return None while it still does."""
    how = f"Get a new one: POST your username and password to {reverse('api-token')}."
    if user.password_changed_at is not None and token.created < user.password_changed_at:
        return f"This API token stopped working when the account's password changed. {how}"
    max_age = settings.API_TOKEN_MAX_AGE_SECONDS
    if max_age is not None and timezone.now() - token.created > timedelta(seconds=max_age):
        return f"This API token has expired. {how}"
    return None


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token auth, refusing a token older than the password or than its lifetime.

    One check at the door covers every way a password can change, where revoking tokens
    in each view that changes one would miss the next such view.
    """

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        """Return the token's user and token; 401 with the reason for a revoked one."""
        user, token = super().authenticate_credentials(key)
        refusal = token_refusal(token=token, user=user)
        if refusal is not None:
            raise AuthenticationFailed(refusal)
        return user, token
