"""Viewer pages: the channel list and a channel's page (live player, or offline and replays)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.models import Video
from config.csp import allow_player_styles
from live import presence, routing, selectors
from live.models import CHAT_MAX_CHARS

PAGE_SIZE = 20
REPLAYS_SHOWN = 8


def channel_list(request: HttpRequest) -> HttpResponse:
    """List every channel, live ones first, with viewer counts."""
    page = Paginator(selectors.channels_listing(), PAGE_SIZE).get_page(request.GET.get("page"))
    cards = selectors.channel_cards(page.object_list)
    return render(request, "live/channel_list.html", {"page": page, "cards": cards})


@allow_player_styles
def channel_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show a channel: its live player while live, its offline picture and replays otherwise.

    The page keeps itself current through the channel's socket (static/js/live.js): it
    switches to the player when the channel goes live and back when it ends, no reload.
    """
    channel = selectors.channel_for_viewers(slug=slug)
    if channel is None:
        raise Http404("No such channel.")
    context = {
        "channel": channel,
        "hls_url": selectors.hls_url(channel),
        "viewers": presence.viewer_count(channel.pk) if channel.is_live else 0,
        "replays": list(
            selectors.channel_replays(channel=channel, user=request.user).filter(
                status=Video.Status.READY  # the page plays them; anything else waits
            )[:REPLAYS_SHOWN]
        ),
        "socket_path": routing.socket_path(channel.slug),
        "chat_max_chars": CHAT_MAX_CHARS,
    }
    return render(request, "live/channel_detail.html", context)
