"""The streamer's own pages under /me/channels/: create, set up OBS, edit, end, delete.

The stream key never reaches these pages' HTML: static/js/stream-key.js fetches it from the
API when the owner presses Reveal or Copy.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.restrictions import unrestricted
from catalog.files import storage_url
from config.ratelimit import refuse_form, too_many
from live import limits, presence, selectors, services
from live.backends import get_backend
from live.errors import InvalidChannel, LiveError
from live.forms import ChannelCreateForm, ChannelDetailsForm, ModeratorForm
from live.models import Channel, LiveSession
from moderation import selectors as moderation_selectors

# Recommended encoder settings for the built-in ingest (1 s keyframes: 1 s segments).
RESOLUTIONS = (
    ("1080p, 30 fps", "6000 kbps"),
    ("720p, 30 fps", "3000–4500 kbps"),
    ("480p, 30 fps", "1500 kbps"),
)


def owned_channel(request: HttpRequest, slug: str) -> Channel:
    """Return the signed-in user's channel, or 404 (never reveal whose a channel is)."""
    channel = selectors.channel_get_owned(user=request.user, slug=slug)
    if channel is None:
        raise Http404("No such channel.")
    return channel


def manage_context(channel: Channel, **extra: Any) -> dict[str, Any]:
    """What every page of one channel shows in its head."""
    return {
        "channel": channel,
        "replay_count": selectors.channel_replays(user=channel.owner, channel=channel).count(),
        "moderator_count": selectors.moderators(channel=channel).count(),
        **extra,
    }


@login_required
def my_channels(request: HttpRequest) -> HttpResponse:
    """List the signed-in user's channels with their live state."""
    channels = list(selectors.owned_channels(user=request.user))
    counts = presence.viewer_counts([channel.pk for channel in channels])
    rows = [
        {"channel": c, "viewers": counts.get(c.pk, 0), "avatar": storage_url(c.avatar.name)}
        for c in channels
    ]
    limit = settings.LIVE_CHANNELS_PER_USER
    context = {"rows": rows, "limit": limit, "can_create": len(channels) < limit}
    return render(request, "live/owner/my_channels.html", context)


def _create(request: HttpRequest, form: ChannelCreateForm) -> Channel | None:
    """Create the channel of a valid form; else None, with the reason on the form."""
    assert isinstance(request.user, User)
    if not form.is_valid():
        return None
    try:
        return services.channel_create(owner=request.user, **form.cleaned_data)
    except InvalidChannel as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
    except LiveError as error:
        form.add_error(None, str(error))
    return None


@login_required
@unrestricted
@require_http_methods(["GET", "POST"])
def channel_new(request: HttpRequest) -> HttpResponse:
    """Show the new-channel form; create the channel."""
    form = ChannelCreateForm(request.POST or None)
    refusal = None
    if request.method == "POST":
        reservation = limits.attempt(limits.CHANNEL_CREATES, request.user.pk)
        refusal = limits.refusal(reservation)
        if refusal:
            refuse_form(form, refusal[1])
        else:
            channel = _create(request, form)
            if channel is None:
                reservation.give_back()  # a refused form is no new channel
            else:
                messages.success(request, f"“{channel.title}” is ready. Set up your encoder below.")
                return redirect("live:my_channel", channel.slug)
    response = render(request, "live/owner/channel_new.html", {"form": form})
    return too_many(response, refusal[0]) if refusal else response


@login_required
def my_channel(request: HttpRequest, slug: str) -> HttpResponse:
    """Show how to stream: the ingest URL, the key (revealed by script), OBS settings, health."""
    channel = owned_channel(request, slug)
    context = manage_context(
        channel,
        ingest_url=get_backend(channel.backend).ingest_url(channel),
        session=selectors.open_session(channel),
        resolutions=RESOLUTIONS,
        key_url=reverse("api-channel-stream-key", args=[channel.slug]),
        health_url=reverse("api-channel-health", args=[channel.slug]),
        moderation_flags=moderation_selectors.flags_for_owner(user_id=channel.owner_id).filter(
            channel=channel, item_kind__in=("live_session", "channel")
        )[:10],
    )
    return render(request, "live/owner/channel_stream.html", context)


def _save_details(form: ChannelDetailsForm, channel: Channel) -> bool:
    """Apply a valid form; False (with the reason on the form) if the service refuses it."""
    try:
        services.channel_update(channel=channel, **form.changes())
    except InvalidChannel as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Change the channel's details and images; nothing is saved unless all of it is valid."""
    channel = owned_channel(request, slug)
    posted = request.method == "POST"
    form = ChannelDetailsForm(
        request.POST if posted else None, request.FILES if posted else None, channel=channel
    )
    refusal = None
    if posted:
        # Image uploads are limited (each is decoded and re-encoded); text edits are not.
        images_sent = bool(request.FILES)
        reservation = (
            limits.attempt(limits.CHANNEL_IMAGES, request.user.pk) if images_sent else None
        )
        refusal = limits.refusal(reservation) if reservation else None
        saved = False
        if refusal:
            refuse_form(form, refusal[1])
        elif form.is_valid():
            saved = _save_details(form, channel)
        if reservation and not saved:
            reservation.give_back()
        if saved:
            messages.success(request, "Saved the channel's details.")
            return redirect("live:channel_edit", channel.slug)
    response = render(request, "live/owner/channel_edit.html", manage_context(channel, form=form))
    return too_many(response, refusal[0]) if refusal else response


@login_required
@require_POST
def channel_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    """Give the channel a new stream key (confirmed on the page); the old one stops working."""
    channel = owned_channel(request, slug)
    reservation = limits.attempt(limits.KEY_ROTATIONS, request.user.pk)
    refusal = limits.refusal(reservation)
    if refusal:
        messages.error(request, refusal[1])
    else:
        try:
            services.stream_key_rotate(channel=channel)
        except LiveError as error:  # not provisioned yet, or IVS refused: the old key stands
            messages.error(request, str(error))
        else:
            live = " A live stream on the old key has been stopped." if channel.is_live else ""
            messages.success(request, f"New stream key made; the old one no longer works.{live}")
    return redirect(reverse("live:my_channel", args=[channel.slug]) + "#stream-key")


@login_required
@require_POST
def channel_end(request: HttpRequest, slug: str) -> HttpResponse:
    """End the channel's live stream (confirmed on the page)."""
    channel = owned_channel(request, slug)
    try:
        services.session_request_end(channel=channel, reason=LiveSession.EndReason.ENDED_BY_OWNER)
    except LiveError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "Ending the stream. Your encoder will be disconnected.")
    return redirect("live:my_channel", channel.slug)


@login_required
@require_http_methods(["GET", "POST"])
def channel_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for confirmation, then delete the channel (its replays stay among the videos)."""
    channel = owned_channel(request, slug)
    if request.method == "POST":
        try:
            services.channel_delete(channel=channel)
        except LiveError as error:
            messages.error(request, str(error))
            return redirect("live:my_channel", channel.slug)
        messages.success(request, f"Deleted the channel “{channel.title}”.")
        return redirect("live:my_channels")
    return render(request, "live/owner/channel_delete.html", manage_context(channel))


@login_required
def channel_replays(request: HttpRequest, slug: str) -> HttpResponse:
    """List the channel's replays, with links to edit (make private) or delete each."""
    channel = owned_channel(request, slug)
    replays = selectors.channel_replays(user=request.user, channel=channel)
    page = Paginator(replays, 20).get_page(request.GET.get("page"))
    return render(request, "live/owner/channel_replays.html", manage_context(channel, page=page))


@login_required
@require_http_methods(["GET", "POST"])
def channel_moderators(request: HttpRequest, slug: str) -> HttpResponse:
    """List the channel's moderators; appoint one by username."""
    channel = owned_channel(request, slug)
    form = ModeratorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["username"]
        try:
            services.moderator_add(channel=channel, user=user)
        except InvalidChannel as error:
            form.add_error("username", str(error))
        else:
            messages.success(request, f"{user.username} now moderates “{channel.title}”.")
            return redirect("live:channel_moderators", channel.slug)
    moderators = list(selectors.moderators(channel=channel))
    context = manage_context(channel, form=form, moderators=moderators)
    return render(request, "live/owner/channel_moderators.html", context)


@login_required
@require_POST
def moderator_remove(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """Take a moderator's role on the channel away (confirmed on the page)."""
    channel = owned_channel(request, slug)
    user = selectors.user_by_username(username)
    if user is None or not selectors.moderators(channel=channel).filter(user=user).exists():
        messages.info(request, f"{username} was not a moderator of this channel.")
    else:
        services.moderator_remove(channel=channel, user=user)
        messages.success(request, f"{user.username} no longer moderates “{channel.title}”.")
    return redirect("live:channel_moderators", channel.slug)
