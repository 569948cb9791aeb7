from typing import Any

from django.urls import path
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import limits
from accounts.services import api_token_issue
from config.ratelimit import Limited


class TokenView(ObtainAuthToken):
    """Trade a username and password for the account's API token (failures are limited)."""

    # Open to anyone, and no credentials are checked on the way in: a stale token or session
    # sent along must not turn a sign-in into a 401 or a CSRF refusal.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()  # no request rate: failed sign-ins are what is limited, below
    rate_limited_actions = ("post",)  # so the schema documents 429

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Answer with the account's token, a new one if the old one was revoked."""
        username = request.data.get("username") if hasattr(request.data, "get") else None
        username = username if isinstance(username, str) else ""
        attempt = limits.sign_in_attempt(request, username)
        if attempt.wait:  # before the password is checked: a refused guess tells nothing
            raise Limited(attempt.wait, limits.sign_in_refusal(attempt.wait))
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError as error:
            # "Unable to log in with provided credentials." stays counted (a missing field,
            # which checks no password, does not)
            codes = error.get_codes()
            general = codes.get("non_field_errors") if isinstance(codes, dict) else None
            if not (isinstance(general, list) and "authorization" in general):
                limits.sign_in_not_tried(attempt)
            raise
        limits.sign_in_succeeded(attempt)
        return Response({"token": api_token_issue(user=serializer.validated_data["user"]).key})


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
]
