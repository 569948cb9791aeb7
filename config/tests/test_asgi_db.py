"""Under ASGI each request closes the database connection it opened: none is left behind."""

from __future__ import annotations

import httpx
import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from config.asgi import application


@pytest.mark.anyio
async def test_a_request_closes_the_connection_it_opened(async_db: None) -> None:
    opened: list[BaseDatabaseWrapper] = []

    def record(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
        opened.append(connection)

    connection_created.connect(record)
    try:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            response = await client.get("/readyz")  # queries the database and the ORM broker
    finally:
        connection_created.disconnect(record)
    assert response.status_code == 200, response.text
    assert opened  # the view ran in a thread of its own, with a connection of its own
    # A persistent connection (CONN_MAX_AGE > 0) would stay open here: the request's thread
    # is gone, so nothing would ever reuse or close it.
    assert [c.alias for c in opened if c.connection is not None] == []
