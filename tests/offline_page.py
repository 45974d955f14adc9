"""A report or exported notebook opened in headless Chromium with the network refused (shared by the tests)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


@contextmanager
def offline_page(page_file: Path, allow: Callable[[str], bool] | None = None) -> Iterator[tuple[object, list[str]]]:
    """Open ``page_file`` in Chromium; every request that ``allow(url)`` refuses (default: anything
    but the file itself) is aborted and its URL appended to the yielded ``blocked`` list.

    Yields ``(page, blocked)``; the browser closes on exit.
    """
    from playwright.sync_api import sync_playwright

    allow = allow or (lambda url: url == page_file.as_uri())
    blocked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def guard(route):
                if allow(route.request.url):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", guard)
            page.goto(page_file.as_uri())
            yield page, blocked
        finally:
            browser.close()


def count_charts(page, at_least: int, settle_ms: int = 0) -> tuple[int, int]:
    """Wait until ``at_least`` plotly charts are drawn; return (drawn charts, chart divs)."""
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {at_least}",
                           timeout=60000)
    if settle_ms:
        page.wait_for_timeout(settle_ms)
    return (page.evaluate("document.querySelectorAll('.js-plotly-plot').length"),
            page.evaluate("document.querySelectorAll('.plotly-graph-div').length"))
