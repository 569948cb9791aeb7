"""Who may not write right now, and why: apps above accounts register the checks.

Moderation registers its site bans; the API refuses a restricted user's writes (403 with the
check's sentence) through ``NotRestricted`` in the default permission classes, and pages that
create content (uploads, channels) ask ``refusal`` before showing their forms.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.permissions import SAFE_METHODS, BasePermission

Check = Callable[[Any], str | None]  # user → a sentence saying why they may not write, or None

_checks: list[Check] = []


def register(check: Check) -> None:
    if check not in _checks:
        _checks.append(check)


def refusal(user: Any) -> str | None:
    """Why ``user`` may not create or change content now (None: they may)."""
    if not getattr(user, "is_authenticated", False):
        return None
    for check in _checks:
        reason = check(user)
        if reason:
            return reason
    return None


class NotRestricted(BasePermission):
    """API writes are refused to restricted users (a site ban); reads stay open."""

    message = "You may not do this now."

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        reason = refusal(request.user)
        if reason:
            self.message = reason
            return False
        return True


def unrestricted(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages that create content answer a restricted user 403 with the reason."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reason = refusal(request.user)
        if reason:
            return render(request, "403.html", {"reason": reason}, status=403)
        return view(request, *args, **kwargs)

    return wrapped
