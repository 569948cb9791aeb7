"""Pages of the catalog: browse, watch, upload and manage one's own videos and subtitles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.restrictions import unrestricted
from catalog import limits, selectors, services
from catalog.errors import CatalogError
from catalog.forms import SubtitleForm, UploadForm, VideoDetailsForm
from catalog.models import Video
from catalog.sections import home_sections, video_sections
from config.csp import allow_player_styles
from config.ratelimit import refuse_form, too_many

PAGE_SIZE = 20
# Placeholder swapped for the new video's id by upload.js once the API answers.
ID_PLACEHOLDER = "__id__"


def _owned_video(request: HttpRequest, pk: str) -> Video:
    """Return the signed-in user's video, or 404 (never reveal another user's video)."""
    video = selectors.video_get_owned(user=request.user, video_id=pk)
    if video is None:
        raise Http404("No such video.")
    return video


def home(request: HttpRequest) -> HttpResponse:
    """List public ready videos, newest first, with search and pagination."""
    query = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_CHARS]
    videos = selectors.public_videos(search=query)
    page = Paginator(videos, PAGE_SIZE).get_page(request.GET.get("page"))
    # What other apps show first (live channels), on the catalog's front page only.
    shown = home_sections(request) if not query and page.number == 1 else []
    return render(request, "catalog/home.html", {"page": page, "query": query, "sections": shown})


@allow_player_styles
def video_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """Show the player, or the processing state of a video that is not ready yet."""
    video = selectors.video_get_visible(user=request.user, video_id=pk)
    if video is None:  # missing, or private to someone else: the same answer
        raise Http404("No such video.")
    is_owner = video.owner_id == request.user.pk
    context = {
        "video": video,
        "is_owner": is_owner,
        "subtitles": list(video.subtitles.all()),
        "renditions": list(video.renditions.all()),
        "sections": video_sections(request, video) if video.status == Video.Status.READY else [],
    }
    return render(request, "catalog/video_detail.html", context)


def _store_upload(request: HttpRequest, form: UploadForm) -> Video | None:
    """Store a valid form's upload; else return None, with the reason on the form."""
    assert isinstance(request.user, User)
    if not form.is_valid():
        return None
    try:
        return services.video_create(owner=request.user, **form.cleaned_data)
    except CatalogError as error:
        form.add_error("file", str(error))
        return None


@login_required
@unrestricted
def upload(request: HttpRequest) -> HttpResponse:
    """Show the upload form; upload.js posts it to the API, this POST is the no-script path."""
    form = UploadForm(request.POST or None, request.FILES or None)
    attempt = limits.upload_attempt(request) if request.method == "POST" else None
    refusal = limits.upload_refusal(attempt) if attempt else None
    if refusal:
        refuse_form(form, refusal[1])
    elif attempt:  # counted before the upload is stored, so that uploads sent at once count too
        video = None
        try:
            video = _store_upload(request, form)
        finally:
            limits.upload_counted(attempt, accepted=video is not None)
        if video is not None:
            messages.success(request, "Upload received. Your video is being processed.")
            return redirect(video)
    context = {
        "form": form,
        "video_url_template": reverse("catalog:video", args=[ID_PLACEHOLDER]),
    }
    response = render(request, "catalog/upload.html", context)
    return too_many(response, refusal[0]) if refusal else response


@login_required
def my_videos(request: HttpRequest) -> HttpResponse:
    """List the signed-in user's uploads in every state, newest first."""
    assert isinstance(request.user, User)
    videos = selectors.owned_videos(user=request.user)
    page = Paginator(videos, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/my_videos.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def video_edit(request: HttpRequest, pk: str) -> HttpResponse:
    """Change the title, description and visibility of one's own video."""
    video = _owned_video(request, pk)
    initial = {field: getattr(video, field) for field in services.EDITABLE_FIELDS}
    form = VideoDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.video_update(video=video, data=form.cleaned_data)
        messages.success(request, f"Saved the changes to “{video.title}”.")
        return redirect("catalog:my_videos")
    return render(request, "catalog/video_edit.html", {"form": form, "video": video})


@login_required
@require_http_methods(["GET", "POST"])
def video_delete(request: HttpRequest, pk: str) -> HttpResponse:
    """Ask for confirmation, then delete one's own video and its files."""
    video = _owned_video(request, pk)
    if request.method == "POST":
        title = video.title
        services.video_delete(video=video)
        messages.success(request, f"Deleted “{title}”.")
        return redirect("catalog:my_videos")
    return render(request, "catalog/video_confirm_delete.html", {"video": video})


@login_required
@require_POST
def video_retry(request: HttpRequest, pk: str) -> HttpResponse:
    """Queue another transcode of one's own failed video."""
    video = _owned_video(request, pk)
    try:
        services.video_retry(video=video)
    except CatalogError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Processing “{video.title}” again.")
    return redirect("catalog:my_videos")


@login_required
@require_http_methods(["GET", "POST"])
def video_subtitles(request: HttpRequest, pk: str) -> HttpResponse:
    """List one's own video's subtitle tracks; add one, or replace a language's track."""
    video = _owned_video(request, pk)
    posted = request.method == "POST"
    form = SubtitleForm(
        request.POST if posted else None, request.FILES if posted else None, prefix="subtitle"
    )
    if posted and form.is_valid():
        language = form.cleaned_data["language"]
        replacing = selectors.subtitle_get(video=video, language=language) is not None
        try:
            subtitle = services.subtitle_set(video=video, **form.cleaned_data)
        except CatalogError as error:
            form.add_error("file", str(error))
        else:
            verb = "replaced" if replacing else "added"
            messages.success(request, f"{subtitle.label} subtitles {verb}.")
            # A redirect keeps the form's #add-subtitles unless it names its own fragment;
            # #top (the top of any page, per HTML) shows the message above the list.
            return redirect(reverse("catalog:video_subtitles", args=[video.pk]) + "#top")
    context = {"video": video, "form": form, "subtitles": list(video.subtitles.all())}
    return render(request, "catalog/video_subtitles.html", context)


@login_required
@require_POST
def subtitle_remove(request: HttpRequest, pk: str, language: str) -> HttpResponse:
    """Remove one language's subtitle track from one's own video."""
    video = _owned_video(request, pk)
    subtitle = selectors.subtitle_get(video=video, language=language)
    if subtitle is None:  # a second click on Remove, say: nothing left to do
        messages.info(request, "Those subtitles had already been removed.")
    else:
        services.subtitle_delete(subtitle=subtitle)
        messages.success(request, f"{subtitle.label} subtitles removed.")
    return redirect("catalog:video_subtitles", video.pk)
