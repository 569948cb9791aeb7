"""The music upload page in headless Chromium: accessible, and an upload opens the track."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accounts.models import User
from catalog.models import Video
from catalog.music.synth import drum_loop, wav_bytes
from config.tests.browser import Browser

pytestmark = [pytest.mark.browser, pytest.mark.media, pytest.mark.django_db(transaction=True)]


def test_music_upload_page_uploads_a_track_without_a_title(
    user: User, tmp_path: Path, browser: Browser
) -> None:
    browser.assert_pages_ok({"music-upload": "/music/upload/"}, user=user)
    song = tmp_path / "Morning_Run.wav"
    song.write_bytes(wav_bytes(drum_loop(120, 2)))
    page = browser.new_page(user)
    page.goto(browser.url("/music/upload/"))
    page.locator("button[data-upload-submit]").click()  # nothing chosen: said in place
    assert "Choose an audio file" in page.locator("[data-field=file]").inner_text()
    page.set_input_files("#id_file", str(song))
    page.fill("#id_artist", "The Pacers")
    page.locator("button[data-upload-submit]").click()  # no title: the tags or name give one
    page.wait_for_url(re.compile(r"/videos/[^/]+/$"), timeout=15000)
    video = Video.objects.get(kind=Video.Kind.TRACK)
    assert (video.title, video.track.artist, video.owner) == ("Morning Run", "The Pacers", user)
    page.problems.check(page)
