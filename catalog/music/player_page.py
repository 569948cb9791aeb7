"""The music page: the library and the runner's player (the page script talks to the API)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.csp import allow_player_styles

# The tempo box's range in beats (or steps) per minute: a slow walk to a sprint.
BPM_MIN = 40
BPM_MAX = 240


@allow_player_styles
def music(request: HttpRequest) -> HttpResponse:
    """Show the library and the player; tracks, search and the queue come from the API."""
    return render(request, "catalog/music.html", {"bpm_min": BPM_MIN, "bpm_max": BPM_MAX})
