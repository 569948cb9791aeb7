import pytest


@pytest.mark.django_db
def test_healthz_answers(client):
    assert client.get("/healthz").status_code == 200
