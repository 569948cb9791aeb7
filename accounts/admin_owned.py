"""Admins of rows a user owns: a non-superuser sees, opens, changes and deletes only their own.

Streamers are staff (live/streamers.py): their group's model permissions say *what kind* of
rows they may touch, and these admins say *which* rows. Every way the admin reaches an
object (changelist, change, delete and history views, bulk actions, foreign-key choices)
goes through ``get_queryset`` or the ``has_*_permission(obj)`` checks, so an object of
another user is missing to them, by URL guessing too.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

_M = TypeVar("_M", bound=models.Model)


class OwnedAdmin(admin.ModelAdmin[_M]):
    """Filter rows and foreign-key choices to the requester's own, unless a superuser."""

    # The lookup from this model to the owning user ("owner", "channel__owner").
    owner_lookup = "owner"
    # Foreign keys whose choices are narrowed to the requester's own: field → lookup to owner.
    owned_choices: dict[str, str] = {}

    @staticmethod
    def sees_all(request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def get_queryset(self, request: HttpRequest) -> QuerySet[_M]:
        rows = super().get_queryset(request)
        if self.sees_all(request):
            return rows
        return rows.filter(**{self.owner_lookup: request.user.pk})

    def owns(self, request: HttpRequest, obj: _M | None) -> bool:
        """Tell whether ``obj`` (None: the model in general) is the requester's to handle."""
        if obj is None or self.sees_all(request):
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self.owns(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.owns(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.owns(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        lookup = self.owned_choices.get(db_field.name)
        if lookup and not self.sees_all(request):
            related = db_field.related_model._default_manager
            kwargs["queryset"] = related.filter(**{lookup: request.user.pk})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
