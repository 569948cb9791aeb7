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

    The attempt is counted before the password is checked (so guesses sent all at once meet
    the limit too) and given back when it succeeds or checks no password. ``retry_after`` is
    set on a refusal so the view can answer 429 with ``Retry-After``.
    """

    request: Any
    cleaned_data: dict[str, Any]
    user_cache: Any
    retry_after = 0

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        attempt = limits.sign_in_attempt(self.request, username)
        self.retry_after = attempt.wait
        if self.retry_after:  # before authenticate(): a refused guess is never checked
            raise forms.ValidationError(limits.sign_in_refusal(self.retry_after), code="throttled")
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except forms.ValidationError as error:
            # Only a wrong username or password stays counted: the admin also refuses a right
            # password of an account that is not staff, and that is no guess.
            if not (error.code == "invalid_login" and self.user_cache is None):
                limits.sign_in_not_tried(attempt)
            raise
        if self.user_cache is not None:
            limits.sign_in_succeeded(attempt)
        else:  # a field is missing: nothing was tried
            limits.sign_in_not_tried(attempt)
        return cleaned


class SignInForm(LimitedSignInMixin, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(LimitedSignInMixin, AdminAuthenticationForm):
    """The admin's sign-in form."""
