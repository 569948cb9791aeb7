from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle


class TokenView(ObtainAuthToken):
    """Trade a username and password for the account's API token (rate-limited per client)."""

    # Open to anyone, and no credentials are checked on the way in: a stale token or session
    # sent along must not turn a sign-in into a 401 or a CSRF refusal.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
]
