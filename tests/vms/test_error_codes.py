"""Every error a user can meet is a code the UI words in Vietnamese and English.

The API declares each code with its English template (`vms.api.errors.register`); the web UI's
catalogue (`vms/web/static/js/i18n.js`, `ERRORS`) must hold a vi and an en text for each, using only
the parameters the code is given. Routes raise `ApiError`, never a bare HTTPException.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vms.api.app import create_app
from vms.api.errors import ERROR_CODES, validation_items

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "vms" / "web" / "static"
I18N = STATIC / "js" / "i18n.js"
# `"area.what": ["vi", "en"]` entries: the ERRORS block of i18n.js and addErrors({...}) in feature modules.
_ENTRY = re.compile(r'"([a-z0-9_]+(?:\.[a-z0-9_]+)+)":\s*\[\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"\s*\]', re.S)


def ui_catalogue() -> dict[str, tuple[str, str]]:
    catalogue: dict[str, tuple[str, str]] = {}
    for path in sorted(STATIC.rglob("*.js")):
        for code, vi, en in _ENTRY.findall(path.read_text(encoding="utf-8")):
            catalogue[code] = (vi, en)
    return catalogue


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_api_code_has_a_vietnamese_and_an_english_text() -> None:
    create_app  # importing the app registers every route module's codes
    catalogue = ui_catalogue()
    assert len(ERROR_CODES) > 100
    missing = sorted(set(ERROR_CODES) - set(catalogue))
    assert missing == [], f"add a vi and an en text to ERRORS in {I18N.name} for: {missing}"
    empty = sorted(code for code, (vi, en) in catalogue.items() if not vi.strip() or not en.strip())
    assert empty == []
    stale = sorted(set(catalogue) - set(ERROR_CODES))
    assert stale == [], f"codes in the UI that the API never declares: {stale}"


def test_ui_texts_use_only_the_parameters_the_api_sends() -> None:
    catalogue = ui_catalogue()
    wrong = {}
    for code, english in ERROR_CODES.items():
        allowed = fields(english) | {"field", "message"}
        for lang, text in zip(("vi", "en"), catalogue.get(code, ("", ""))):
            extra = fields(text) - allowed
            if extra:
                wrong[f"{code} ({lang})"] = sorted(extra)
    assert wrong == {}


def test_vietnamese_texts_are_not_left_in_english() -> None:
    catalogue = ui_catalogue()
    same = sorted(code for code, (vi, en) in catalogue.items() if vi == en)
    assert same == []


def test_routes_raise_coded_errors_only() -> None:
    offenders = []
    for path in (ROOT / "vms" / "api").rglob("*.py"):
        if path.name == "errors.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bHTTPException\(", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == [], "raise ApiError(status, code, ...) instead"


@pytest.mark.parametrize(
    ("errors", "body", "expected"),
    [
        ([{"type": "string_too_short", "loc": ("body", "password"), "msg": "x", "ctx": {"min_length": 1}}], {},
         [("validation.string_too_short", {"field": "password", "min_length": 1})]),
        # The discriminator tag pydantic puts in the location is not a field the user filled in.
        ([{"type": "camera.url_credentials", "loc": ("body", "source", "rtsp", "url"), "msg": "x"}],
         {"source": {"type": "rtsp", "url": "rtsp://a:b@h/"}},
         [("camera.url_credentials", {"field": "source.url"})]),
        ([{"type": "string_pattern_mismatch", "loc": ("body", "id"), "msg": "x",
           "ctx": {"pattern": "^[a-z0-9][a-z0-9_-]{0,47}$"}}], {},
         [("camera.id_pattern", {"field": "id", "pattern": "^[a-z0-9][a-z0-9_-]{0,47}$"})]),
        ([{"type": "some_new_pydantic_type", "loc": ("query", "limit"), "msg": "x"}], None,
         [("validation.invalid", {"field": "limit"})]),
    ],
)
def test_validation_errors_become_codes(errors: list[dict], body: object, expected: list[tuple[str, dict]]) -> None:
    items = validation_items(errors, body)
    assert [(item["code"], item["params"]) for item in items] == expected
    assert all("input" not in item for item in items)  # a submitted password is never echoed


def test_api_answers_with_codes_and_parameters(admin: TestClient) -> None:
    client = admin
    camera = {"id": "cam2", "name": "Cổng", "source": {"type": "rtsp", "url": "rtsp://user:pw@10.0.0.9/s"}}
    detail = client.post("/api/cameras", json=camera).json()["detail"]
    assert [(d["code"], d["params"]["field"]) for d in detail] == [("camera.url_credentials", "source.url")]
    assert "pw@" not in str(detail)
    detail = client.post("/api/cameras", json={**camera, "id": "Cam 2"}).json()["detail"]
    assert ("camera.id_pattern", "id") in [(d["code"], d["params"]["field"]) for d in detail]
    weak = client.post("/api/users", json={"username": "u1", "password": "xyq", "role": "viewer"}).json()["detail"]
    assert weak["code"] == "password.too_weak"
    assert weak["params"]["problems"] == ["password.need.length", "password.need.upper", "password.need.digit"]
    too_long = client.get("/api/cameras/cam1/playback.mp4",
                          params={"start": "2026-01-01T00:00:00+07:00", "end": "2026-01-01T03:00:00+07:00"})
    assert too_long.status_code == 422
    assert too_long.json()["detail"] == {"code": "range.too_long.playback", "message": "at most 2 hours per playback request",
                                         "params": {"hours": 2, "days": 0.08}}
    missing = client.get("/api/cameras/nope").json()["detail"]
    assert missing["code"] == "camera.not_found" and missing["params"] == {"camera_id": "nope"}
