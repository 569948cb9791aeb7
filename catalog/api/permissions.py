"""Who may change a video: anyone may read what they can see; only the owner writes."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView


class IsOwnerOrReadOnly(permissions.BasePermission):
    """Allow safe methods to everyone and changes only to the object's owner."""

    message = "Only the owner of this video can change it."

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user.is_authenticated and obj.owner_id == request.user.pk)
