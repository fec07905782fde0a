"""Open a page in the system's headless Chromium through playwright and record what it did.

playwright drives Debian's ``/usr/bin/chromium`` (no browser download: ``executable_path``).
Every request the page makes is recorded; any that is not local (file:, data:, ...) is aborted,
so a test never reaches the network even when a page tries to.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "devtools:")


def chromium_path() -> str | None:
    """The system Chromium playwright launches, or None (the browser tests are then skipped)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None
    for name in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if name and Path(name).is_file():
            return name
    return None


@dataclass
class PageVisit:
    """What happened while the page loaded."""

    text: str = ""  # document.body.innerText
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    evaluated: object = None  # the value of ``evaluate`` after the load, when one was given

    @property
    def network_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.exceptions


def visit(page_file: Path, width: int = 1400, evaluate: str | None = None, screenshot: Path | None = None,
          height: int = 900) -> PageVisit:
    """Load ``page_file`` at ``width`` CSS pixels, run ``evaluate`` (a JS expression), take a
    full-page ``screenshot``."""
    from playwright.sync_api import sync_playwright

    seen = PageVisit()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: seen.exceptions.append(str(e)))

            def route(r):
                seen.requests.append(r.request.url)
                if r.request.url.startswith(LOCAL_SCHEMES):
                    r.continue_()
                else:
                    r.abort()

            page.route("**/*", route)
            page.goto(Path(page_file).resolve().as_uri(), wait_until="load")
            seen.text = page.inner_text("body")
            if evaluate:
                seen.evaluated = page.evaluate(evaluate)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    # a blocked remote load also logs a console error; that is reported as a request, not twice
    seen.console_errors = [e for e in seen.console_errors if "net::ERR_FAILED" not in e]
    return seen
