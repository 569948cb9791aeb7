"""The project-wide API error handler and the JSON 404 for unknown /api/ addresses."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from catalog.errors import NotRetryable
from config.api_errors import UserFacingError


class ChannelOffline(UserFacingError):
    """An error of an app that does not exist yet: it plugs in by subclassing."""

    status_code = 409


class Raises(APIView):
    """A view of some future app, with no error handling of its own."""

    authentication_classes = ()
    permission_classes = ()
    error: Exception = ChannelOffline("The channel is not live right now.")

    def get(self, request: Request) -> Response:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (ChannelOffline("The channel is not live right now."), 409, "The channel is not live"),
        (NotRetryable("Only a failed video can be retried."), 409, "Only a failed video"),
        (UserFacingError("Say it plainly."), 400, "Say it plainly."),
    ],
)
def test_user_facing_errors_of_any_app_become_detail(
    error: Exception, status: int, detail: str
) -> None:
    view = Raises.as_view(error=error)
    response = view(APIRequestFactory().get("/api/anything/"))
    assert response.status_code == status
    assert response.data["detail"].startswith(detail)


def test_other_exceptions_are_not_swallowed() -> None:
    view = Raises.as_view(error=RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        view(APIRequestFactory().get("/api/anything/"))


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_addresses_answer_json_404(settings, debug: bool, method: str) -> None:
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True)  # as a browser with a session would be treated
    response = getattr(client, method)("/api/videos/x/subtitles/(/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "There is no API endpoint at this address."}
    assert b"URLconf" not in response.content  # Django's debug page lists the URL patterns


@pytest.mark.django_db
def test_a_missing_slash_is_pointed_out(api: APIClient) -> None:
    response = api.get("/api/videos")
    assert response.status_code == 404
    assert response.json()["detail"].endswith("Did you mean /api/videos/ (with the slash)?")
    assert "Did you mean" not in api.get("/api/nothing").json()["detail"]


@pytest.mark.django_db
def test_pages_keep_the_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
