"""Lists take ``?page=`` once, as a number: what the schema documents."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["page=", "page=1&page=1", "page=x&page=", "page=0"])
def test_a_page_that_is_not_one_number_is_no_page(api: APIClient, query: str) -> None:
    for path in ("/api/videos/", "/api/channels/"):
        response = api.get(f"{path}?{query}")
        assert response.status_code == 404, (path, query)
        assert "page" in response.json()["detail"].lower()


def test_the_first_page(api: APIClient) -> None:
    assert api.get("/api/videos/?page=1").status_code == 200
    assert api.get("/api/videos/").status_code == 200
