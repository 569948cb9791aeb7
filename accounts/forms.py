from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from accounts import limits
from accounts.models import User


class SignupForm(UserCreationForm[User]):
    """Sign-up with a username, an optional e-mail address and a password."""

    class Meta:
        model = User
        fields = ("username", "email")


class LimitedSignInMixin:
    """Refuse a sign-in while its address is over the failure limits; count each failure.

    ``retry_after`` is set on a refusal so the view can answer 429 with ``Retry-After``.
    """

    request: Any
    cleaned_data: dict[str, Any]
    user_cache: Any
    retry_after = 0

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        self.retry_after = limits.sign_in_wait(self.request, username)
        if self.retry_after:  # before authenticate(): a refused guess is never checked
            raise forms.ValidationError(limits.sign_in_refusal(self.retry_after), code="throttled")
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except forms.ValidationError as error:
            # Only a wrong username or password: the admin also refuses a right password
            # of an account that is not staff, and that is no guess.
            if error.code == "invalid_login" and self.user_cache is None:
                limits.sign_in_failed(self.request, username)
            raise
        if self.user_cache is not None:  # else a field is missing: nothing was tried
            limits.sign_in_succeeded(self.request, username)
        return cleaned


class SignInForm(LimitedSignInMixin, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(LimitedSignInMixin, AdminAuthenticationForm):
    """The admin's sign-in form."""
