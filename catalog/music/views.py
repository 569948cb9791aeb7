"""The music upload page (the library and player page is catalog.music_views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import User
from accounts.restrictions import unrestricted
from catalog import limits
from catalog.errors import CatalogError
from catalog.models import Video
from catalog.music import services
from catalog.music.forms import TrackUploadForm
from config.ratelimit import refuse_form, too_many

ID_PLACEHOLDER = "__id__"  # swapped for the new track's id by upload.js


def _store(request: HttpRequest, form: TrackUploadForm) -> Video | None:
    """Store a valid form's upload; else return None, with the reason on the form."""
    assert isinstance(request.user, User)
    if not form.is_valid():
        return None
    try:
        return services.track_create(owner=request.user, **form.cleaned_data)
    except CatalogError as error:
        form.add_error("file", str(error))
        return None


@login_required
@unrestricted
def upload(request: HttpRequest) -> HttpResponse:
    """Show the form; upload.js posts it to /api/tracks/, this POST is the no-script path."""
    form = TrackUploadForm(request.POST or None, request.FILES or None)
    attempt = limits.upload_attempt(request) if request.method == "POST" else None
    refusal = limits.upload_refusal(attempt) if attempt else None
    if refusal:
        refuse_form(form, refusal[1])
    elif attempt:  # counted before the upload is stored, as on the video upload page
        video = None
        try:
            video = _store(request, form)
        finally:
            limits.upload_counted(attempt, accepted=video is not None)
        if video is not None:
            messages.success(request, "Upload received. Your track is being processed.")
            return redirect(video)  # its page shows the progress, then plays it
    context = {"form": form, "track_url_template": reverse("catalog:video", args=[ID_PLACEHOLDER])}
    response = render(request, "catalog/music_upload.html", context)
    return too_many(response, refusal[0]) if refusal else response
