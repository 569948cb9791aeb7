"""The chat in headless Chromium: writing, moderating, hostile text, and a replay's chat."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from catalog.models import Video
from catalog.tests.conftest import create_video, run_transcode
from config.tests.browser import Browser
from live.models import Channel, ChatMessage, LiveSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 20_000
# What people type to break a chat: markup, script, links that run code, template and
# markdown syntax, text direction overrides, invisible and combining characters, a long word.
HOSTILE = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "<svg onload=\"window.__pwned = 'svg'\"></svg>",
    "</textarea></bdi></li><b onmouseover=\"window.__pwned='close'\">escaped</b>",
    "javascript:window.__pwned='js-url'",
    "[click me](javascript:window.__pwned='markdown')",
    "<a href=\"javascript:window.__pwned='anchor'\">anchor</a>",
    "{{ 7*7 }} ${window.__pwned='template'} {% now 'Y' %}",
    "<style>body { display: none }</style>",
    "\u202eevil right-to-left override: gnp.exe\u202c after",
    "zero\u200bwidth\u200djoiner\ufeffbom\u2060word",
    "Z̷̢̧̛̘̗̼̗̲̗͓̰͎̫̬̩̹̙̞̟̱̐̌̿̆̅̐̊́̈́̓͐̋̉̓̐̌̈́͛̄̆̚ȧ̸̛̰̳̝̰̞̓̌̉̊̽͆̆̑̿̐̈́̓̚l̶̡̧̲̼̹͎͚͇͕̠̱̲̉̾̾̿g̷͇͓͚̦̳̣̳̺̠̭̣͇̃̃͒̆̓̿͋̄̓̍̃̕o̴",
    "W" * 500,
    "see https://example.com/path?a=1&b=<2> and http://example.org.",
]

# Read every message as the page shows it: its text and what elements it holds.
READ_LOG = """(log) => [...document.querySelectorAll(log + ' .chat-message')].map((li) => ({
  text: li.querySelector('.chat-message__text').textContent,
  tags: [...li.querySelectorAll('*')].map((el) => el.tagName.toLowerCase()),
  links: [...li.querySelectorAll('a')].map((a) => [a.href, a.rel, a.target]),
  inside: li.getBoundingClientRect().right <= document.querySelector(log)
    .getBoundingClientRect().right + 1,
}))"""
ALLOWED_TAGS = {"span", "bdi", "a", "details", "summary", "div", "button"}


def log_of(page: Any, log: str = "#live-chat [data-chat-log]") -> list[dict[str, Any]]:
    return list(page.evaluate(READ_LOG, log))


def test_chatting_and_moderating_between_two_pages(
    asgi_browser: Browser, channel: Channel, user: User, other_user: User
) -> None:
    alice = asgi_browser.new_page(user)
    bob = asgi_browser.new_page(other_user, "phone")
    path = f"/live/{channel.slug}/"
    for page in (alice, bob):
        page.goto(asgi_browser.url(path))
        page.wait_for_function(
            "() => !document.querySelector('#chat-input').disabled", timeout=WAIT_MS
        )
    box = bob.locator("#chat-input")
    box.fill("hello <b>there</b>")
    box.press("Enter")
    for page in (alice, bob):
        page.locator(".chat-message", has_text="hello <b>there</b>").wait_for(timeout=WAIT_MS)
    assert box.input_value() == ""  # the echo came back: the box is cleared
    bob.wait_for_function("() => document.querySelector('#chat-count').textContent === '0/500'")
    alice.problems.check(alice)
    bob.problems.check(bob)

    # Too long: the counter warns and Send stays off; the server would refuse it anyway.
    box.fill("x" * 501)
    assert bob.locator("#chat-count").text_content() == "501/500"
    assert bob.locator(".chat__form button[type=submit]").is_disabled()

    # Alice deletes the message from her moderation menu: it leaves Bob's screen too.
    message = alice.locator(".chat-message", has_text="hello <b>there</b>")
    message.locator("summary").click()
    message.get_by_role("button", name="Delete message").click()
    bob.locator(".chat-message", has_text="hello <b>there</b>").wait_for(
        state="detached", timeout=WAIT_MS
    )
    # A refused message stays in the box with the server's reason beside it.
    box.fill("first")
    box.press("Enter")
    bob.locator(".chat-message", has_text="first").wait_for(timeout=WAIT_MS)
    box.fill("first")
    box.press("Enter")
    bob.locator("#chat-error", has_text="a moment ago").wait_for(timeout=WAIT_MS)
    assert box.input_value() == "first"

    # Alice times Bob out: his page says so and his box closes.
    said = alice.locator(".chat-message", has_text="first")
    said.locator("summary").click()
    said.get_by_role("button", name="Time out 10 min").click()
    bob.locator("[data-chat-notice]", has_text="You are timed out").wait_for(timeout=WAIT_MS)
    bob.wait_for_function("() => document.querySelector('#chat-input').disabled")
    alice.locator(".chat-system", has_text="bob was timed out").wait_for(timeout=WAIT_MS)
    alice.problems.check(alice)


def test_hostile_text_stays_text_in_the_live_chat(
    asgi_browser: Browser, channel: Channel, other_user: User
) -> None:
    start = timezone.now() - timedelta(minutes=10)
    for n, text in enumerate(HOSTILE[:-1]):
        ChatMessage.objects.create(
            channel=channel, author=other_user, text=text, created=start + timedelta(seconds=n)
        )
    page = asgi_browser.new_page(other_user, "phone")
    page.goto(asgi_browser.url(f"/live/{channel.slug}/"))
    page.wait_for_function("() => !document.querySelector('#chat-input').disabled")
    # The last one arrives live, through the socket rather than the history.
    page.locator("#chat-input").fill(HOSTILE[-1])
    page.locator("#chat-input").press("Enter")
    page.locator(".chat-message", has_text="example.org").wait_for(timeout=WAIT_MS)
    assert_inert(page, log_of(page))


def assert_inert(page: Any, shown: list[dict[str, Any]]) -> None:
    assert [m["text"] for m in shown] == HOSTILE  # verbatim, nothing lost or altered
    assert page.evaluate("window.__pwned") is None
    for message in shown:
        assert set(message["tags"]) <= ALLOWED_TAGS, message
        assert message["inside"], f"overflows the chat: {message['text'][:40]!r}"
    links = [link for m in shown for link in m["links"]]
    assert [href for href, _, _ in links] == [
        "https://example.com/path?a=1&b=",
        "http://example.org/",
    ]
    assert all(
        rel == "nofollow noopener noreferrer ugc" and target == "_blank" for _, rel, target in links
    )
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    page.problems.check(page)


def replay_with_chat(owner: User, clip: Path, texts: list[tuple[float, str]]) -> Video:
    """A ready replay (a real transcode of ``clip``) whose session's chat holds ``texts``."""
    channel = Channel.objects.get(owner=owner)
    video = run_transcode(create_video(owner, clip, title="Replay"))
    Video.objects.filter(pk=video.pk).update(kind=Video.Kind.REPLAY)
    session = LiveSession.objects.create(
        channel=channel, status=LiveSession.Status.ENDED, replay=video
    )
    for offset, text in texts:
        ChatMessage.objects.create(
            channel=channel, session=session, author=owner, text=text, offset=offset
        )
    return video


SHOWN = "() => [...document.querySelectorAll('#replay-chat .chat-message__text')]" \
    ".map((el) => el.textContent)"  # fmt: skip


@pytest.mark.media
def test_a_replays_chat_follows_the_video_and_its_seeks(
    asgi_browser: Browser, channel: Channel, user: User, clip_factory: Any
) -> None:
    clip = clip_factory("clip-6s.mp4", seconds=6)
    video = replay_with_chat(
        user, clip, [(1.0, "at one"), (2.5, "at two and a half"), (4.0, "at four")]
    )
    deleted = ChatMessage.objects.create(
        channel=channel, session=video.live_session, author=user, text="deleted", offset=0.5,
        deleted=True,
    )  # fmt: skip
    page = asgi_browser.new_page()
    page.goto(asgi_browser.url(f"/videos/{video.pk}/"))
    page.wait_for_function("() => document.querySelector('hls-video')?.readyState >= 2")
    assert page.evaluate(SHOWN) == []  # nothing said before 0 s
    page.problems.check(page)

    page.evaluate("document.querySelector('hls-video').play()")
    page.wait_for_function(
        "() => document.querySelectorAll('#replay-chat .chat-message').length === 1",
        timeout=WAIT_MS,
    )
    # Shown exactly when the video has reached it, not before.
    state = page.evaluate(f"() => [document.querySelector('hls-video').currentTime, ({SHOWN})()]")
    assert 1.0 <= state[0] < 2.5 and state[1] == ["at one"], state
    page.evaluate("document.querySelector('hls-video').pause()")

    # A seek forward shows what was said up to there; back, it takes it away again.
    page.evaluate("document.querySelector('hls-video').currentTime = 4.5")
    page.wait_for_function(f"() => ({SHOWN})().length === 3", timeout=WAIT_MS)
    assert page.evaluate(SHOWN) == ["at one", "at two and a half", "at four"]
    page.evaluate("document.querySelector('hls-video').currentTime = 0.2")
    page.wait_for_function(f"() => ({SHOWN})().length === 0", timeout=WAIT_MS)
    page.evaluate("document.querySelector('hls-video').currentTime = 3")
    page.wait_for_function(f"() => ({SHOWN})().length === 2", timeout=WAIT_MS)
    assert deleted.text not in page.evaluate(SHOWN)
    page.problems.check(page)


@pytest.mark.media
def test_hostile_text_stays_text_in_a_replays_chat(
    asgi_browser: Browser, channel: Channel, user: User, clip: Path
) -> None:
    video = replay_with_chat(user, clip, [(n / 100, text) for n, text in enumerate(HOSTILE)])
    page = asgi_browser.new_page(None, "phone")
    page.goto(asgi_browser.url(f"/videos/{video.pk}/"))
    page.wait_for_function("() => document.querySelector('hls-video')?.readyState >= 2")
    page.evaluate("document.querySelector('hls-video').currentTime = 0.5")
    page.wait_for_function(f"() => ({SHOWN})().length === {len(HOSTILE)}", timeout=WAIT_MS)
    assert_inert(page, log_of(page, "#replay-chat [data-chat-log]"))


def test_scrolling_up_pauses_the_chat_until_the_reader_comes_back(
    asgi_browser: Browser, channel: Channel, user: User, other_user: User
) -> None:
    start = timezone.now() - timedelta(minutes=10)
    ChatMessage.objects.bulk_create(
        ChatMessage(
            channel=channel,
            author=other_user,
            text=f"earlier {n}",
            created=start + timedelta(seconds=n),
        )
        for n in range(60)
    )
    reader = asgi_browser.new_page(None, "phone")
    reader.goto(asgi_browser.url(f"/live/{channel.slug}/"))
    reader.locator(".chat-message", has_text="earlier 59").wait_for(timeout=WAIT_MS)
    at_bottom = (
        "() => { const s = document.querySelector('[data-chat-scroll]');"
        " return s.scrollHeight - s.scrollTop - s.clientHeight < 2; }"
    )
    reader.wait_for_function(at_bottom)
    reader.evaluate("document.querySelector('[data-chat-scroll]').scrollTop = 0")
    alice = asgi_browser.new_page(user)
    alice.goto(asgi_browser.url(f"/live/{channel.slug}/"))
    alice.wait_for_function("() => !document.querySelector('#chat-input').disabled")
    alice.locator("#chat-input").fill("something new")
    alice.locator("#chat-input").press("Enter")
    jump = reader.locator("[data-chat-jump]")
    jump.wait_for(timeout=WAIT_MS)  # "New messages" appears; the reader stays where they were
    assert reader.evaluate("document.querySelector('[data-chat-scroll]').scrollTop") == 0
    jump.click()
    reader.wait_for_function(at_bottom)
    assert jump.is_hidden()
    reader.problems.check(reader)
