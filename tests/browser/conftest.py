"""Browser fixtures: the real service (subprocess, seeded), Debian chromium through Playwright, screenshots.

Chromium comes from Debian (/usr/bin/chromium); Playwright's own browser download is never used.
Screenshots of the main pages go to tests/artifacts/screenshots/ (gitignored) for a person to look at.
With VMS_README_SHOTS=1 (`make screenshots`), the shots the README shows are also written to
docs/screenshots/ as small PNGs (960 px wide, 256 colours), to be committed.
"""

from __future__ import annotations

import os
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
README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
README_WIDTH = 960  # px; with 256 colours a UI page stays well under the README's 250 KB per picture
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

    def take(page, name: str, full_page: bool = True, readme: str | None = None) -> Path:  # type: ignore[no-untyped-def]
        path = SCREENSHOTS / f"{name}.png"
        if full_page:
            page.evaluate("() => window.scrollTo(0, 0)")  # else the sticky top bar is drawn mid-page
        page.screenshot(path=str(path), full_page=full_page)
        if readme and os.environ.get("VMS_README_SHOTS") == "1":
            readme_copy(path, README_SHOTS / f"{readme}.png")
        return path

    return take


def readme_copy(source: Path, target: Path) -> None:
    """A small copy of a screenshot for the README: scaled to README_WIDTH, 256-colour PNG."""
    from PIL import Image

    with Image.open(source) as image:
        rgb = image.convert("RGB")
        height = round(rgb.height * README_WIDTH / rgb.width)
        small = rgb.resize((README_WIDTH, height), Image.Resampling.LANCZOS)
        target.parent.mkdir(parents=True, exist_ok=True)
        small.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            target, optimize=True)
