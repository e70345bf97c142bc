"""Threat: values at the edges of what a type allows. Every route answers an out-of-range time or
number with 422 and a code, never a 500; sample placeholders in a config file are refused.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.security import service as svc

EXTREMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1900-01-01T00:00:00Z"]
ROUTES = [
    ("GET", "/api/events?start={t}&end=2026-01-01T00:00:00Z"),
    ("GET", "/api/timeline?start={t}&end=2026-01-01T00:00:00Z"),
    ("GET", "/api/recordings?camera_id=" + svc.CAMERA + "&start={t}&end=2026-01-01T00:00:00Z"),
    ("GET", "/api/cameras/" + svc.CAMERA + "/playback.mp4?start={t}&end=2026-01-01T00:00:00Z"),
    ("GET", "/api/reports/summary?start={t}&end=2026-01-01T00:00:00Z"),
    ("GET", "/api/audit?start={t}"),
]


@pytest.mark.parametrize("moment", EXTREMES)
@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_extreme_times_are_422_not_500(service: svc.Service, method: str, route: str, moment: str) -> None:
    answer = service.client("admin").request(method, route.format(t=moment.replace("+", "%2B")))
    assert answer.status_code == 422, answer.text  # before the fix: 500 for the first two


@pytest.mark.parametrize("moment", EXTREMES)
def test_extreme_times_in_bodies_are_422(service: svc.Service, moment: str) -> None:
    admin = service.client("admin")
    export = admin.post("/api/exports", json={"camera_ids": [svc.CAMERA], "start": moment, "end": "2026-01-01T00:00:00Z",
                                              "case_number": "X", "reason": "y"})
    assert export.status_code == 422
    imported = admin.post("/api/events/import", json={"camera_id": svc.CAMERA, "started_at": moment,
                                                      "analysis": {"events": [{"type": "intrusion", "start": 1}]}})
    assert imported.status_code == 422


@pytest.mark.parametrize("value", ["1e300", "Infinity", "NaN", "-1"])
def test_extreme_numbers_in_imports_are_422(service: svc.Service, value: str) -> None:
    body = ('{"camera_id": "%s", "started_at": "2026-11-20T08:00:00+07:00", '
            '"analysis": {"events": [{"type": "intrusion", "start": %s}]}}' % (svc.CAMERA, value))
    answer = service.client("admin").post("/api/events/import", content=body,
                                          headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text


def test_sample_placeholder_passwords_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    config.write_text("cameras:\n  - id: a\n    name: A\n    source: {type: rtsp, url: 'rtsp://192.0.2.1/x', "
                      "username: u, password: change-me}\n")
    checked = subprocess.run([sys.executable, "-m", "vms.cli", "check-config", str(config)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 2 and "cameras.0.source.rtsp.password" in checked.stderr
    example = Path(__file__).resolve().parents[2] / "configs" / "example.yaml"
    assert "password: change-me" not in example.read_text()


def test_too_long_review_period_is_422(service: svc.Service) -> None:
    # Found by tests/security/test_fuzz_extremes.py: the review report's "too long" had no error code (500).
    answer = service.client("admin").get("/api/reports/review?start=1971-01-01T00:00:00Z&end=2199-01-01T00:00:00Z")
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]["code"] == "range.too_long.report"
