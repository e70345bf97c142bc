"""Threat: anyone who reaches the port (the internet-facing side). Without a login only /health,
the login itself and the UI's static files answer; the API documentation and its schema (a map of
every route and parameter) need a login, and the documentation page loads nothing from outside
this server (Swagger UI from a CDN would break offline and tell a third party this VMS exists).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import require
from tests.security import service as svc

DOC_URLS = ["/docs", "/openapi.json", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/init.js"]


@pytest.mark.parametrize("url", DOC_URLS)
def test_api_documentation_needs_a_login(service: svc.Service, url: str) -> None:
    anonymous = service.client()
    answer = anonymous.get(url)
    assert answer.status_code == 401, answer.text  # before the fix: 200 for anyone
    assert answer.json()["detail"]["code"] == "auth.login_required"
    assert "paths" not in answer.text


def test_framework_doc_pages_that_use_a_cdn_are_gone(service: svc.Service) -> None:
    viewer = service.client("viewer")
    assert viewer.get("/redoc").status_code == 404
    assert viewer.get("/docs/oauth2-redirect").status_code in (401, 404)
    assert viewer.get("/docs/assets/..%2Fstate%2Fsecret.key").status_code == 404
    assert viewer.get("/docs/assets/index.j2").status_code == 404  # only the listed files


def test_documentation_is_served_locally_under_the_strict_csp(service: svc.Service) -> None:
    viewer = service.client("viewer")
    page = viewer.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert references and all(ref.startswith("/docs/assets/") for ref in references), references
    assert "<script>" not in page.text.replace(" ", "")  # no inline script
    for ref in references:
        asset = viewer.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 100, ref
        assert "cdn" not in asset.text[:2000].lower() or ref.endswith(".png")
    schema = viewer.get("/openapi.json")
    assert schema.status_code == 200 and "/api/events" in schema.json()["paths"]


def _chromium_missing() -> str | None:
    from tests.browser.conftest import _missing

    return _missing()


@pytest.mark.browser
def test_the_documentation_page_works_in_a_browser_without_leaving_the_server(service: svc.Service) -> None:
    """Real Chromium, logged in: Swagger UI renders every operation, nothing is fetched from another
    origin, and the page raises no CSP violation (what an inline script or a CDN would cause)."""
    require(_chromium_missing())
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    token = service.client("viewer").cookies["vms_session"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=service.url)
            context.add_cookies([{"name": "vms_session", "value": token, "url": service.url}])
            page = context.new_page()
            requested: list[str] = []
            errors: list[str] = []
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                                 " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
            page.goto("/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock").count()
            violations = page.evaluate("window.__csp")
        finally:
            browser.close()
    assert operations >= 30
    assert violations == [] and errors == []
    assert requested and all(url.startswith(service.url) for url in requested), requested
