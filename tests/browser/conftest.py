"""Browser fixtures: the real service (subprocess, seeded), Debian chromium through Playwright, screenshots.

Chromium comes from Debian (/usr/bin/chromium); Playwright's own browser download is never used.
Screenshots of the main pages go to tests/artifacts/screenshots/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser import service as svc
from tests.conftest import require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "Debian chromium is not installed (/usr/bin/chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    return None


@pytest.fixture(scope="package")
def service() -> Iterator[svc.Service]:
    require(_missing())
    base = Path(tempfile.mkdtemp(prefix="vms-browser-"))
    running = svc.start(base)
    try:
        svc.seed(running)
        yield running
    finally:
        svc.stop(running)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="package")
def browser(service: svc.Service) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, service: svc.Service):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies, Vietnamese default) on the service's home page."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, base_url=service.url,
                                  locale="vi-VN", timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def shot() -> Callable[[object, str], Path]:
    """shot(page, "name") saves tests/artifacts/screenshots/name.png and prints where."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")

    def take(page, name: str, full_page: bool = True) -> Path:  # type: ignore[no-untyped-def]
        path = SCREENSHOTS / f"{name}.png"
        if full_page:
            page.evaluate("() => window.scrollTo(0, 0)")  # else the sticky top bar is drawn mid-page
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
