"""The API's pagination: DRF's page numbers, held to what the schema says ``page`` is."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's, except that ``page`` sent empty or more than once is no page (404).

    DRF reads ``?page=`` as page 1 and ``?page=x&page=2`` as page 2; the schema documents one
    integer, and a client that sent something else should hear so rather than get page 1.
    """

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1 or values == [""]:
            raise NotFound("No such page: send ?page= once, with a page number.")
        return super().get_page_number(request, paginator)
