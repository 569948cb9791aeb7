"""The streamer's pages in headless Chromium: checked pages, the key on demand, live health."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from catalog.models import Video
from catalog.tests.api_helpers import make_video
from config.tests.browser import SHOTS, Browser
from live import services
from live.models import LiveSession
from live.tests.factories import create_channel, image_upload, open_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_pages_pass_the_checks(browser: Browser, user: User, other_user: User) -> None:
    channel = create_channel(user, slug="night-owl", title="Night owl radio")
    services.channel_update(
        channel=channel, tags=["jazz", "late-night"], avatar=image_upload(), description="Jazz"
    )
    open_session(channel, health={"bitrate": 4_500_000, "frame_rate": 30, "keyframe_interval": 1.0,
                             "dropped_frames": 0})  # fmt: skip
    quiet = create_channel(user, slug="quiet-hours", title="Quiet hours")
    services.moderator_add(channel=channel, user=other_user)
    replay = make_video(
        user, "Tuesday's stream", kind=Video.Kind.REPLAY, visibility="private", files=True
    )
    LiveSession.objects.create(channel=channel, status="ended", replay=replay)
    base = f"/me/channels/{channel.slug}/"
    browser.assert_pages_ok(
        {
            "my-channels": "/me/channels/",
            "channel-new": "/me/channels/new/",
            "channel-stream-live": base,
            "channel-stream-offline": f"/me/channels/{quiet.slug}/",
            "channel-edit": f"{base}edit/",
            "channel-moderators": f"{base}moderators/",
            "channel-replays": f"{base}replays/",
            "channel-delete": f"{base}delete/",
        },
        user=user,
    )


def test_a_form_with_errors_passes_the_checks(browser: Browser, user: User) -> None:
    page = browser.new_page(user)
    page.goto(browser.url("/me/channels/new/"))
    page.fill("#id_slug", "admin")
    page.fill("#id_tags", "not<a>tag")
    page.get_by_role("button", name="Create channel").click()
    page.wait_for_selector(".field--invalid")
    assert "reserved" in page.text_content("[data-field=slug] .field__errors")
    assert "required" in page.text_content("[data-field=title] .field__errors").lower()
    page.problems.check(page)


def test_the_key_is_fetched_on_reveal_and_copied(browser: Browser, user: User) -> None:
    channel = create_channel(user)
    key = services.stream_key(channel)
    page = browser.new_page(user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=browser.url(""))
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(browser.url(f"/me/channels/{channel.slug}/"))
    page.wait_for_load_state("networkidle")
    assert key not in page.content()
    assert not any(url.endswith("/stream-key/") for url in asked)  # not until asked for
    field = page.locator("#stream-key-value")
    assert field.input_value() == "" and field.get_attribute("type") == "password"

    page.get_by_role("button", name="Reveal").click()
    page.wait_for_function("() => document.querySelector('#stream-key-value').value !== ''")
    assert field.input_value() == key and field.get_attribute("type") == "text"
    page.get_by_role("button", name="Hide").click()
    assert field.input_value() == ""

    page.get_by_role("button", name="Copy the stream key").click()
    page.wait_for_function("() => document.querySelector('[data-key-status]').textContent")
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert field.input_value() == ""  # copied without being shown
    page.get_by_role("button", name="Copy the server URL").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith("rtmp://")
    assert sum(url.endswith("/stream-key/") for url in asked) == 2  # Reveal, then Copy
    page.problems.check(page)


def test_health_follows_the_stream_and_warns(browser: Browser, user: User) -> None:
    channel = create_channel(user)
    page = browser.new_page(user)
    page.goto(browser.url(f"/me/channels/{channel.slug}/"))
    assert page.locator("dl.health").is_hidden()

    # The channel goes live: the panel follows without a reload.
    session = open_session(channel, health={"bitrate": 6_000_000, "frame_rate": 30,
                                       "keyframe_interval": 1.0, "dropped_frames": 0})  # fmt: skip
    page.wait_for_function(
        "() => document.querySelector('[data-health=bitrate]').textContent === '6.0 Mbps'",
        timeout=15_000,
    )
    assert page.text_content("[data-live-badge]") == "Live"
    assert page.locator("text=End the stream").is_visible()
    assert page.locator("[data-health-warnings] li").count() == 0

    # The encoder's keyframes drift to 4 s, its bitrate falls and it drops frames.
    figures: dict[str, Any] = {"bitrate": 2_000_000, "frame_rate": 24,
                               "keyframe_interval": 4.0, "dropped_frames": 12}  # fmt: skip
    LiveSession.objects.filter(pk=session.pk).update(health=figures)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-health-warnings] li').length === 3",
        timeout=15_000,
    )
    warnings = page.text_content("[data-health-warnings]")
    assert "Keyframes arrive every 4.0 s" in warnings
    assert "dropped to 2.0 Mbps" in warnings and "12 frames dropped" in warnings
    assert page.text_content("[data-health=keyframe_interval]") == "4.0 s"
    page.screenshot(path=str(SHOTS / "channel-health-warnings-desktop.png"), full_page=True)
    page.problems.check(page)

    # The stream ends: back to offline.
    LiveSession.objects.filter(pk=session.pk).update(status=LiveSession.Status.ENDED)
    page.wait_for_function(
        "() => document.querySelector('[data-live-badge]').textContent === 'Offline'",
        timeout=15_000,
    )
    assert page.locator("dl.health").is_hidden()
