"""Every text key the UI code asks for exists in Vietnamese and in English, and both have the same keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "vms" / "web" / "static"
T_CALL = re.compile(r"""\bt\(\s*"([A-Za-z0-9_]+)"\s*\)""")
# Keys built at run time from API codes, e.g. t(`role_${user.role}`): each family listed in full.
DYNAMIC = [f"role_{r}" for r in ("admin", "installer", "operator", "investigator", "viewer")] + [
    f"export_{s}" for s in ("queued", "running", "done", "failed")] + [
    f"severity_{s}" for s in ("info", "warning", "alarm")] + [
    f"cap_{c}" for c in ("live", "events", "search", "playback", "export", "cameras", "users", "reports")] + [
    f"nav_{v}" for v in ("wall", "timeline", "search", "playback", "exports", "cameras", "users", "audit", "reports",
                         "discovery", "ptz", "programme", "programme_map", "maintenance", "review")]


def used_keys() -> set[str]:
    keys = set(DYNAMIC)
    for path in STATIC.rglob("*.js"):
        keys |= set(T_CALL.findall(path.read_text(encoding="utf-8")))
    for path in STATIC.glob("*.html"):
        keys |= set(re.findall(r'data-i18n="([A-Za-z0-9_]+)"', path.read_text(encoding="utf-8")))
    return keys


def feature_modules() -> list[str]:
    """Feature modules that add their own texts (js/i18n/*.js), as URLs."""
    return [f"/static/js/i18n/{path.name}" for path in sorted((STATIC / "js" / "i18n").glob("*.js"))]


def test_every_used_key_is_translated_in_both_languages(page: Page) -> None:
    dictionaries = page.evaluate("""async (modules) => {
        for (const module of modules) await import(module);
        const { DICTIONARIES } = await import("/static/js/i18n.js");
        return { vi: Object.keys(DICTIONARIES.vi), en: Object.keys(DICTIONARIES.en) };
    }""", feature_modules())
    vi, en = set(dictionaries["vi"]), set(dictionaries["en"])
    assert vi == en, {"only_vi": sorted(vi - en), "only_en": sorted(en - vi)}
    used = used_keys()
    assert len(used) > 100
    assert used - vi == set()
