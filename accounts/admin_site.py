"""The admin site: Django's, with the sign-in form that limits password guessing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from accounts.forms import AdminSignInForm
from accounts.views import limited_sign_in


class OnairAdminSite(admin.AdminSite):
    login_form = AdminSignInForm

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return limited_sign_in(super().login(request, extra_context))
