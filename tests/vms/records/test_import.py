"""Importing the commune's camera list: Vietnamese headers and words, dry run, every bad cell named, all or nothing."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select

from vms.db.models import AuditEntry, CameraRecord
from vms.service import Site

GOOD_CSV = (
    "STT;Mã camera;Tên;Thôn;Vĩ độ;Kinh độ;Nguồn kinh phí;Chủ sở hữu;Trạng thái;Ngày lắp đặt;Phạm vi\n"
    "1;cam1;Cổng chợ;Thôn Đông;21,0285;105,8542;Hộ gia đình;Nguyễn Văn An;Hoạt động;10/03/2026;chợ, đường\n"
    "2;truong-thcs;Cổng trường;Thôn Tây;;;Trường học;Trường THCS;Dự kiến;;cổng trường\n"
)


def _post(admin: TestClient, data: bytes, dry_run: bool, kind: str = "csv"):  # type: ignore[no-untyped-def]
    return admin.post(f"/api/records/import?format={kind}&dry_run={str(dry_run).lower()}", content=data,
                      headers={"Content-Type": "text/csv" if kind == "csv" else "application/octet-stream"})


def _records(site: Site) -> dict[str, CameraRecord]:
    with site.session_factory() as session:
        return {r.camera_id: r for r in session.scalars(select(CameraRecord))}


def test_dry_run_shows_what_would_change_and_writes_nothing(admin: TestClient, site: Site) -> None:
    response = _post(admin, GOOD_CSV.encode("utf-8-sig"), dry_run=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["applied"], body["rows"], body["errors"]) == (True, False, 2, [])
    assert body["creates"] == ["cam1", "truong-thcs"] and body["ignored_columns"] == []
    assert _records(site) == {}


def test_apply_then_a_second_import_lists_only_the_changes(admin: TestClient, site: Site) -> None:
    assert _post(admin, GOOD_CSV.encode(), dry_run=False).json()["applied"] is True
    records = _records(site)
    assert (records["cam1"].funder_kind, records["cam1"].latitude, records["cam1"].coverage) == (
        "household", 21.0285, ["road", "market"])
    assert (records["truong-thcs"].status, records["truong-thcs"].funder_kind) == ("planned", "school")
    again = GOOD_CSV.replace("Hoạt động", "Hỏng")
    body = _post(admin, again.encode(), dry_run=True).json()
    assert body["creates"] == [] and body["unchanged"] == ["truong-thcs"]
    assert body["updates"][0]["camera_id"] == "cam1"
    assert body["updates"][0]["changes"]["status"] == ["active", "broken"]
    with site.session_factory() as session:
        imports = session.scalars(select(AuditEntry).where(AuditEntry.action == "records_import")).all()
    assert [a.details["created"] for a in imports] == [2]


def test_missing_id_column_is_named_and_changes_nothing(admin: TestClient, site: Site) -> None:
    response = _post(admin, "Tên;Thôn\nCổng chợ;Thôn Đông\n".encode(), dry_run=False)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == "import.missing_column"
    assert "camera_id" in response.json()["detail"]["params"]["column"]
    assert _records(site) == {}


def test_every_bad_row_and_column_is_named_and_nothing_is_written(admin: TestClient, site: Site) -> None:
    bad = (
        "Mã camera;Vĩ độ;Kinh độ;Nguồn kinh phí;Ngày lắp đặt;Trạng thái\n"
        "cam1;13,75;100,50;Hộ gia đình;10/03/2026;Hoạt động\n"  # GPS in Thailand
        "cam2;21,0;105,8;Ngân hàng;10/03/2026;Hoạt động\n"  # unknown funder
        "cam3;21,0;105,8;Khác;31/02/2026;Hoạt động\n"  # no such date
        "Cam 4!;;;;;\n"  # bad id
        "cam2;;;;;\n"  # duplicate
        "cam5;abc;105;;;\n"  # not a number
    )
    body = _post(admin, bad.encode(), dry_run=False).json()
    assert body["applied"] is False
    found = {(e["row"], e["column"], e["code"]) for e in body["errors"]}
    assert found == {
        (2, "latitude", "records.gps_outside_vietnam"),
        (3, "funder_kind", "import.bad_value"),
        (4, "installed_on", "import.bad_date"),
        (5, "camera_id", "import.bad_camera_id"),
        (6, "camera_id", "import.duplicate_id"),
        (7, "latitude", "import.bad_number"),
    }
    assert all(e["text"] for e in body["errors"])
    assert _records(site) == {}


def test_xlsx_import_keeps_formula_like_text_as_text(admin: TestClient, site: Site) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["camera_id", "name", "hamlet", "owner_name"])
    sheet.append(["cam9", "Chợ mới", "Thôn Bắc", "=HYPERLINK(\"http://x\")"])
    buffer = io.BytesIO()
    book.save(buffer)
    body = _post(admin, buffer.getvalue(), dry_run=False, kind="xlsx").json()
    assert body["applied"] is True, body
    assert _records(site)["cam9"].hamlet == "Thôn Bắc"
    garbage = _post(admin, b"not a workbook", dry_run=True, kind="xlsx")
    assert garbage.status_code == 422 and garbage.json()["detail"]["code"] == "import.unreadable"


def test_windows_1258_csv_is_read(admin: TestClient, site: Site) -> None:
    text = "camera_id,hamlet\ncam1,Thon Dong\n"
    assert _post(admin, text.encode("cp1258"), dry_run=True).json()["creates"] == ["cam1"]


def test_old_mac_line_ends_are_read_and_a_broken_csv_is_refused_by_name(admin: TestClient, site: Site) -> None:
    mac = "camera_id,hamlet\rcam1,Thon Dong\rcam2,\"Thon\rTay\"\r"
    assert _post(admin, mac.encode(), dry_run=True).json()["creates"] == ["cam1", "cam2"]
    broken = _post(admin, b'camera_id,hamlet\ncam1,"' + b"x" * 140_000 + b'"\n', dry_run=True)  # over csv's field limit
    assert broken.status_code == 422 and broken.json()["detail"]["code"] == "import.unreadable"
