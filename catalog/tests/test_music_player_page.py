"""The /music/ page as served: open to visitors, CSP-clean, the decks and scripts in order."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.tests.page_helpers import assert_csp_safe
from config.csp import player_style_sources

pytestmark = pytest.mark.django_db


def test_music_page_is_open_to_visitors_with_the_player_scripts_in_order(client: Client) -> None:
    response = client.get("/music/")
    html = assert_csp_safe(response)
    assert html.count("<hls-video") == 2  # the playing deck and the preloading one
    # music-player.js hands hls.js its configuration before the bundle upgrades the decks.
    assert html.index("js/music-player.js") < html.index("vendor/player-bundle.js")
    assert '<a href="/music/" aria-current="page">Music</a>' in html
    # The decks' shadow-DOM styles are allowed by hash on this page, as on the video page.
    policy = response.headers["Content-Security-Policy"]
    assert all(source in policy for source in player_style_sources())
