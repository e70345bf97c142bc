"""Camera records through the real API: fields, audit of old/new values, GPS check, scans, map, GeoJSON."""

from __future__ import annotations

import io
import os

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from vms.db.models import AuditEntry, CameraRecord, SiteMap
from vms.service import Site

RECORD = {
    "owner_kind": "household", "owner_name": "Nguyễn Văn An", "owner_contact": "0912 345 678",
    "funder_kind": "household", "funder_name": "Nguyễn Văn An", "agreement_date": "2026-03-02",
    "agreement_ref": "05/TT-CAX", "installer": "Cửa hàng điện tử Minh Phát", "installed_on": "2026-03-10",
    "warranty_until": "2028-03-10", "hamlet": "Thôn Đông", "address": "Ngã ba chợ", "latitude": 21.0285,
    "longitude": 105.8542, "coverage": ["market", "road"], "status": "active",
}


def _audits(site: Site, action: str) -> list[AuditEntry]:
    with site.session_factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_record_round_trip_and_every_change_audited_with_old_and_new(admin: TestClient, site: Site) -> None:
    response = admin.put("/api/records/cameras/cam1", json=RECORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["owner_name"], body["hamlet"], body["coverage"]) == ("Nguyễn Văn An", "Thôn Đông", ["road", "market"])
    assert (body["connected"], body["display_name"], body["live_status"]) == (True, "Cổng chợ", "offline")
    created = _audits(site, "record_create")
    assert created[-1].details["changes"]["owner_name"] == ["", "Nguyễn Văn An"]

    changed = {**RECORD, "status": "broken", "status_reason": "Mất nguồn điện", "owner_contact": "0988 000 111"}
    assert admin.put("/api/records/cameras/cam1", json=changed).status_code == 200
    update = _audits(site, "record_update")[-1]
    assert update.username == "admin" and update.target == "cam1"
    assert update.details["changes"]["status"] == ["active", "broken"]
    assert update.details["changes"]["owner_contact"] == ["0912 345 678", "0988 000 111"]
    assert "owner_name" not in update.details["changes"]  # unchanged fields are not listed
    assert admin.get("/api/records/cameras/cam1").json()["status_since"] is not None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"latitude": 13.7563, "longitude": 100.5018}, "records.gps_outside_vietnam"),  # Bangkok
        ({"latitude": 105.85, "longitude": 21.03}, "less_than_equal"),  # swapped: latitude > 90 fails first
        ({"latitude": 21.0, "longitude": None}, "records.gps_incomplete"),
        ({"status": "retired", "status_reason": ""}, "records.retired_needs_reason"),
        ({"installed_on": "2026-03-10", "warranty_until": "2025-01-01"}, "records.warranty_before_installation"),
        ({"owner_kind": "bank"}, "literal_error"),
        ({"owner_name": "x" * 121}, "string_too_long"),
    ],
)
def test_bad_record_is_refused_and_changes_nothing(admin: TestClient, site: Site, change: dict, code: str) -> None:
    assert admin.put("/api/records/cameras/cam1", json=RECORD).status_code == 200
    response = admin.put("/api/records/cameras/cam1", json={**RECORD, **change})
    assert response.status_code == 422
    assert code in response.text
    assert admin.get("/api/records/cameras/cam1").json()["owner_name"] == RECORD["owner_name"]


def test_record_for_a_camera_not_connected_to_the_server(admin: TestClient) -> None:
    response = admin.put("/api/records/cameras/truong-thcs", json={"name": "Cổng trường THCS", "status": "planned"})
    assert response.status_code == 200
    listed = {row["camera_id"]: row for row in admin.get("/api/records/cameras").json()}
    assert listed["truong-thcs"]["live_status"] == "not_connected"
    assert listed["truong-thcs"]["display_name"] == "Cổng trường THCS"
    assert {"cam1", "cam2", "truong-thcs"} <= set(listed)  # connected cameras without a record are listed too
    assert admin.put("/api/records/cameras/..%2Fetc", json={}).status_code in (404, 422)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_agreement_scan_upload_download_and_audit(admin: TestClient, site: Site) -> None:
    response = admin.put("/api/records/scans/cam1?name=thoa-thuan.pdf", content=PDF,
                         headers={"Content-Type": "application/pdf"})
    assert response.status_code == 200, response.text
    assert response.json()["has_agreement_scan"] is True
    download = admin.get("/api/records/scans/cam1")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert _audits(site, "record_scan_view")[-1].target == "cam1"


def test_oversized_or_foreign_scan_is_refused_and_nothing_is_stored(admin: TestClient, site: Site) -> None:
    big = b"%PDF-1.4\n" + os.urandom(50 * 1024 * 1024)
    response = admin.put("/api/records/scans/cam1", content=big, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "records.file_too_large"
    assert response.json()["detail"]["params"] == {"max_mb": 10}
    exe = b"MZ\x90\x00" + b"\x00" * 1000
    response = admin.put("/api/records/scans/cam1", content=exe, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 415 and response.json()["detail"]["code"] == "records.file_type"
    folder = site.paths.records
    assert not folder.exists() or list(folder.iterdir()) == []
    with site.session_factory() as session:
        assert session.get(CameraRecord, "cam1") is None


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_map_upload_pins_positions_and_geojson(admin: TestClient, site: Site) -> None:
    response = admin.put("/api/records/map/image", content=_png(800, 600), headers={"Content-Type": "image/png"})
    assert response.status_code == 200, response.text
    assert (response.json()["width"], response.json()["height"]) == (800, 600)
    assert admin.get("/api/records/map/image").content[:4] == b"\x89PNG"
    assert admin.put("/api/records/cameras/cam1", json=RECORD).status_code == 200
    assert admin.put("/api/records/cameras/cam1/position", json={"map_x": 0.25, "map_y": 0.75}).status_code == 200
    pins = {p["camera_id"]: p for p in admin.get("/api/records/map").json()["pins"]}
    assert (pins["cam1"]["map_x"], pins["cam1"]["map_y"], pins["cam1"]["live_status"]) == (0.25, 0.75, "offline")
    assert pins["cam1"]["hamlet"] == "Thôn Đông" and pins["cam2"]["map_x"] is None
    geo = admin.get("/api/records/geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assert [f["id"] for f in features] == ["cam1"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [105.8542, 21.0285]}
    assert "owner_contact" not in features[0]["properties"] and "owner_name" not in features[0]["properties"]
    assert admin.put("/api/records/cameras/cam1/position", json={"map_x": 1.5, "map_y": 0.2}).status_code == 422


def test_map_refuses_a_pdf_and_a_decompression_bomb(admin: TestClient, site: Site) -> None:
    response = admin.put("/api/records/map/image", content=PDF, headers={"Content-Type": "image/png"})
    assert response.status_code == 415
    bomb = _png(12000, 8000)  # 96 megapixels of one colour: a small file, a huge picture
    response = admin.put("/api/records/map/image", content=bomb, headers={"Content-Type": "image/png"})
    assert response.status_code == 422 and response.json()["detail"]["code"] == "records.image_too_big"
    with site.session_factory() as session:
        assert session.scalars(select(SiteMap)).first() is None
