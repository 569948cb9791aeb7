"""The report form under videos and live channels (the no-script path of POST /api/reports/)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config.ratelimit import describe_rate, reserve, try_again
from moderation import flags, targets
from moderation.api.views import ITEM_ID_MAX_CHARS, NOTE_MAX_CHARS, REPORTS
from moderation.models import Report


class ReportForm(forms.Form):
    kind = forms.ChoiceField(choices=[("video", "video"), ("channel", "channel")])
    id = forms.CharField(max_length=ITEM_ID_MAX_CHARS)
    reason = forms.ChoiceField(choices=Report.Reason.choices)
    note = forms.CharField(max_length=NOTE_MAX_CHARS, required=False)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return redirect(target if safe and target else "catalog:home")


@login_required
@require_POST
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "That report was not sent: choose a reason (and keep the note under 500 characters).",
        )
        return _back(request)
    reservation = reserve((REPORTS, (f"user:{request.user.pk}",)))
    if reservation.over:
        limit, wait = reservation.over[0]
        messages.error(
            request,
            f"Too many reports (the limit is {describe_rate(limit.rate)}). {try_again(wait)}",
        )
        return _back(request)
    data = form.cleaned_data
    try:
        _, new = flags.report(
            reporter=request.user,  # type: ignore[arg-type]
            kind=data["kind"],
            item_id=data["id"],
            reason=data["reason"],
            note=data["note"],
        )
    except (targets.UnknownItem, flags.ModerationError) as exc:
        reservation.give_back()
        messages.error(request, str(exc))
        return _back(request)
    if new:
        messages.success(request, "Thank you: the moderators will look at it.")
    else:
        reservation.give_back()
        messages.info(request, "You had reported this already; the moderators have it.")
    return _back(request)
