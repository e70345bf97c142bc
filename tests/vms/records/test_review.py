"""The quarterly review's figures checked against the rows behind them, in JSON, PDF and xlsx alike."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from vms.db.models import AuditEntry, Camera, CameraRecord, Event, Export, MaintenanceTicket, Segment
from vms.service import Site

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q_START = datetime(2026, 7, 1, tzinfo=TZ)
Q_END = datetime(2026, 10, 1, tzinfo=TZ)
PERIOD = f"start={Q_START.isoformat()}&end={Q_END.isoformat()}".replace("+", "%2B")


@pytest.fixture
def quarter(site: Site) -> Site:
    """cam1 (Thôn Đông, household): recorded the whole quarter, 3 incidents, one export for case HS-7,
    a repair of 1.250.000 đ. cam2 (Thôn Tây, commune budget): recorded a quarter of the time, nothing.
    old9: a broken camera not connected, broken since January. One imported event, one event outside."""
    day = timedelta(days=1)
    with site.session_factory.begin() as s:
        for camera in s.scalars(select(Camera)):
            camera.created_at = Q_START - 30 * day
        s.get(Camera, "cam2").name = "=HYPERLINK(\"http://evil\")"
        s.add_all([
            CameraRecord(camera_id="cam1", hamlet="Thôn Đông", funder_kind="household", status="active", coverage=[]),
            CameraRecord(camera_id="cam2", hamlet="Thôn Tây", funder_kind="commune", status="active", coverage=[]),
            CameraRecord(camera_id="old9", name="Cầu cũ", hamlet="Thôn Tây", funder_kind="commune", status="broken",
                         status_since=datetime(2026, 1, 5).date(), coverage=[]),
            Segment(camera_id="cam1", start=Q_START, end=Q_END, path="c1.mp4", bytes=1),
            Segment(camera_id="cam2", start=Q_START, end=Q_START + 23 * day, path="c2.mp4", bytes=1),
            Event(camera_id="cam1", type="hit_and_run", start=Q_START + 3 * day, severity="alarm", details={}),
            Event(camera_id="cam1", type="intrusion", start=Q_START + 40 * day, severity="warning", details={}),
            Event(camera_id="cam1", type="intrusion", start=Q_START + 70 * day, severity="warning", details={}),
            Event(camera_id="cam1", type="line_crossing", start=Q_START + 5 * day, severity="info", details={}),
            Event(camera_id="cam1", type="camera_offline", start=Q_START + 6 * day, severity="warning", details={}),
            Event(camera_id="cam1", type="intrusion", start=Q_START + 8 * day, severity="warning",
                  details={"imported_from": "usb.mp4"}),
            Event(camera_id="cam1", type="intrusion", start=Q_END + day, severity="warning", details={}),
            Export(camera_ids=["cam1"], start=Q_START, end=Q_START, case_number="HS-7", created_by="investigator",
                   status="done", created_at=Q_START + 4 * day),
            Export(camera_ids=["cam1"], start=Q_START, end=Q_START, case_number="HS-8", created_by="investigator",
                   status="failed", created_at=Q_START + 4 * day),
            MaintenanceTicket(camera_id="cam1", fault="mờ", opened_by="operator", opened_at=Q_START + 9 * day,
                              due_at=Q_START + 12 * day, status="fixed", fixed_at=Q_START + 10 * day,
                              fixed_by="Bình", cost_vnd=1_250_000),
        ])
    return site


def test_review_figures_match_the_database(admin: TestClient, quarter: Site) -> None:
    response = admin.get(f"/api/reports/review?{PERIOD}")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kind"] == "quarter"
    totals = report["totals"]
    assert totals["cameras"] == 3 and totals["cameras_by_status"] == {"planned": 0, "active": 2, "broken": 1,
                                                                      "retired": 0}
    assert totals["incidents_by_type"] == {"hit_and_run": 1, "intrusion": 2}  # info, health, imported, outside: no
    assert (totals["imported_events"], totals["cases"], totals["case_numbers"]) == (1, 1, ["HS-7"])
    assert (totals["tickets_fixed"], totals["maintenance_cost_vnd"]) == (1, 1_250_000)
    assert totals["uptime_ratio"] == pytest.approx((1.0 + 23 / 92) / 2, abs=1e-3)
    hamlets = {g["key"]: g for g in report["by_hamlet"]}
    assert (hamlets["Thôn Đông"]["incidents"], hamlets["Thôn Tây"]["cameras"]) == (3, 2)
    assert [g["key"] for g in report["by_funder"]] == ["household", "commune"]
    assert [p["cumulative_incidents"] for p in report["breakdown"]] == [1, 2, 3]  # July, August, September
    suggestions = {c["camera_id"]: (c["suggestion"], c["reasons"]) for c in report["cameras"]}
    assert suggestions == {"cam1": (None, []), "cam2": ("repair", ["offline_most", "no_output"]),
                           "old9": ("retire", ["broken", "broken_long"])}
    assert len(report["key_fingerprint"].split()) == 16
    with quarter.session_factory() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "review_report")).one()
    assert audit.details["format"] == "json"


def test_review_pdf_is_the_official_form_with_the_same_figures(admin: TestClient, quarter: Site) -> None:
    response = admin.get(f"/api/reports/review.pdf?{PERIOD}")
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
                     "Sơ kết quý", "từ ngày 01/07/2026 đến ngày 30/09/2026", "Thôn Đông", "Ngân sách xã",
                     "1.250.000", "TRƯỞNG CÔNG AN XÃ", "Cầu cũ", "Kết thúc"):
        assert expected in text, expected
    fingerprint = admin.get(f"/api/reports/review?{PERIOD}").json()["key_fingerprint"]
    assert fingerprint.split()[0] in text
    english = admin.get(f"/api/reports/review.pdf?{PERIOD}&lang=en")
    assert "Quarterly review" in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(english.content)).pages)


def test_review_xlsx_has_numbers_as_numbers_and_no_formula(admin: TestClient, quarter: Site) -> None:
    response = admin.get(f"/api/reports/review.xlsx?{PERIOD}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cameras = book.worksheets[1]
    rows = {row[0]: row for row in cameras.iter_rows(min_row=3, values_only=True)}
    assert rows["cam1"][6] == 3  # incidents, a number
    assert rows["cam2"][1] == "'=HYPERLINK(\"http://evil\")"  # text, neutralised
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    summary_text = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "BÁO CÁO" in summary_text and any("01/07/2026" in c for c in summary_text)


def test_review_refuses_bad_periods(admin: TestClient) -> None:
    assert admin.get("/api/reports/review?start=2026-07-01T00:00:00&end=2026-10-01T00:00:00").status_code == 422
    backwards = f"start={Q_END.isoformat()}&end={Q_START.isoformat()}".replace("+", "%2B")
    assert admin.get(f"/api/reports/review?{backwards}").status_code == 422
