"""Headless Chromium for every app's browser tests: pages checked for CSP, errors and axe.

Root ``conftest.py`` loads this module as a pytest plugin, so any test can ask for the
``browser`` fixture. A new page is checked with one line::

    browser.assert_pages_ok({"live": "/live/"}, user=user)

which opens it at desktop and phone size, screenshots it into ``SHOTS`` and fails on a CSP
violation, a console error, a failed request, sideways scrolling or a serious or critical
axe-core finding.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from config.env import BASE_DIR

CHROMIUM = Path("/usr/bin/chromium")
BUNDLE = BASE_DIR / "build/static/vendor/player-bundle.js"
AXE = BASE_DIR / "node_modules/axe-core/axe.min.js"
SHOTS = Path("/tmp/onair-shots")
VIEWPORTS = {"desktop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}
AXE_FAILING_IMPACTS = ("serious", "critical")

# Recorded before any page script runs: CSP violations, and when the first frame was ready.
WATCH_SCRIPT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
document.addEventListener("loadeddata", () => {
  window.__firstFrameAt ??= performance.now();
}, true);
"""

# Run axe on the whole document (shadow roots included); report what fails, worst first.
AXE_RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" >>> ")}: ${n.failureSummary}`),
  }));
}"""

# A player page is ready to look at once its first frame is decoded. A media element with
# no source yet (the music page's decks before anything plays) has nothing to wait for.
PLAYER_READY = (
    "() => [...document.querySelectorAll('hls-video')]"
    ".every((media) => !media.getAttribute('src') || media.readyState >= 2)"
)


class Problems:
    """Console errors, uncaught page errors and failed requests seen by one page."""

    def __init__(self, page: Any) -> None:
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"pageerror: {error}"))
        page.on("requestfailed", self._failed)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.seen.append(f"console: {message.text} ({message.location.get('url')})")

    def _failed(self, request: Any) -> None:
        # A media element aborting a request it no longer needs is not a problem.
        if request.failure != "net::ERR_ABORTED":
            self.seen.append(f"request failed: {request.url} {request.failure}")

    def report(self, page: Any, *, axe: bool = True) -> list[str]:
        """Return CSP violations, recorded errors and (unless ``axe=False``) axe findings."""
        found = [f"CSP violation: {v}" for v in page.evaluate("window.__csp || []")]
        found += self.seen
        if axe:
            found += [
                f"axe {f['impact']} {f['id']} ({f['help']}):\n    " + "\n    ".join(f["nodes"])
                for f in axe_findings(page)
            ]
        self.seen = []
        return found

    def check(self, page: Any, *, axe: bool = True) -> None:
        """Fail on anything ``report`` finds."""
        found = self.report(page, axe=axe)
        assert found == [], f"{page.url}:\n  " + "\n  ".join(found)


def axe_findings(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in ``page``; return its serious and critical violations."""
    # Through DevTools, not a <script> element: Playwright's add_script_tag(path=...) inserts
    # the file as an inline script, which the page's CSP (script-src 'self') rightly blocks.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in AXE_FAILING_IMPACTS]


class Browser:
    """Debian's Chromium, opening pages of the live server as a visitor or a signed-in user."""

    def __init__(self, chromium: Any, live_server: Any) -> None:
        self.chromium = chromium
        self.live_server = live_server

    def new_page(self, user: Any = None, viewport: str = "desktop") -> Any:
        """Open a tab (signed in as ``user`` through a session cookie) that records problems."""
        context = self.chromium.new_context(viewport=VIEWPORTS[viewport])
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": cookie.key, "value": cookie.value, "url": self.live_server.url}]
            )
        context.add_init_script(WATCH_SCRIPT)
        page = context.new_page()
        page.problems = Problems(page)
        return page

    def url(self, path: str) -> str:
        return f"{self.live_server.url}{path}"

    def assert_pages_ok(
        self, pages: Mapping[str, str], *, user: Any = None, axe: bool = True
    ) -> None:
        """Open each ``{name: path}`` at desktop and phone size; check and screenshot it."""
        SHOTS.mkdir(exist_ok=True)
        failures: list[str] = []
        for viewport in VIEWPORTS:
            page = self.new_page(user, viewport)
            for name, path in pages.items():
                page.goto(self.url(path))
                page.wait_for_load_state("networkidle")
                page.wait_for_function(PLAYER_READY)
                page.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=True)
                found = page.problems.report(page, axe=axe)
                if page.locator("h1").count() != 1:
                    found.append("not exactly one <h1>")
                if not page.title().endswith("· Onair"):
                    found.append(f"title {page.title()!r}")
                if page.evaluate(
                    "document.documentElement.scrollWidth > document.documentElement.clientWidth"
                ):
                    found.append("scrolls sideways")
                failures += [f"{path} at {viewport} size: {problem}" for problem in found]
            page.context.close()
        # Every page is seen before failing, so one run lists everything to fix.
        assert failures == [], "\n".join(failures)


@pytest.fixture
def browser(live_server: Any) -> Iterator[Browser]:
    """Launch Debian's Chromium (Playwright cannot download browsers here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    assert BUNDLE.exists(), f"{BUNDLE} is missing: run `make assets` (esbuild)"
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (`make assets` does)"
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread between calls; the ORM
    # calls the tests make here are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--autoplay-policy=no-user-gesture-required",
                ],
            )
            yield Browser(chromium, live_server)
            chromium.close()
