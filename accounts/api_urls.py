from typing import Any

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.services import api_token_issue


class TokenView(ObtainAuthToken):
    """Trade a username and password for the account's API token (rate-limited per client)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Answer with the account's token, a new one if the old one was revoked."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"token": api_token_issue(user=serializer.validated_data["user"]).key})


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
]
