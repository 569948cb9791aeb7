from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from accounts import limits
from accounts.forms import SignInForm, SignupForm
from config.ratelimit import refuse_form, too_many


def limited_sign_in(response: HttpResponse) -> HttpResponse:
    """Answer 429 with ``Retry-After`` when the page shows a sign-in refused by the limits."""
    context = response.context_data if isinstance(response, TemplateResponse) else None
    form = (context or {}).get("form")
    wait = getattr(form, "retry_after", 0)
    return too_many(response, wait) if wait else response


class SignInView(auth_views.LoginView):
    """Django's sign-in page, with the form that limits password guessing."""

    authentication_form = SignInForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        return limited_sign_in(super().form_invalid(form))


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and sign the new user in."""
    if request.user.is_authenticated:
        return redirect("catalog:home")
    form = SignupForm(request.POST or None)
    attempt = limits.signup_attempt(request) if request.method == "POST" else None
    wait = attempt.wait if attempt else 0
    if wait:  # refuse before validating: the form would tell which usernames exist
        refuse_form(form, limits.signup_refusal(wait))
    elif attempt:  # counted before the form is read, so that sign-ups sent at once count too
        user = None
        try:
            if form.is_valid():
                user = form.save()
        finally:
            limits.signup_counted(attempt, accepted=user is not None)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Onair, {user.get_username()}.")
            return redirect("catalog:home")
    response = render(request, "registration/signup.html", {"form": form})
    return too_many(response, wait) if wait else response
