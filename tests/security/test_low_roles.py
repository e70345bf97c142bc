"""Threat: a low role abusing what it may do. An installer manages cameras but must not be able to
destroy footage through them; what each change did is in the audit log with old and new values.
"""

from __future__ import annotations

import time

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.security import service as svc
from vms.db.models import Segment


def _segments(service: svc.Service) -> int:
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Segment).where(Segment.camera_id == svc.CAMERA)) or 0
    finally:
        engine.dispose()


def test_installer_cannot_shorten_retention_to_wipe_footage(service: svc.Service) -> None:
    svc.wait_footage(service, 6)
    installer = service.client("installer")
    tiny = installer.patch(f"/api/cameras/{svc.CAMERA}", json={"retention_days": 0.00001})
    assert tiny.status_code == 422 and tiny.json()["detail"]["code"] == "camera.retention_below_floor"
    shorter = installer.patch(f"/api/cameras/{svc.CAMERA}", json={"retention_days": 2, "retention_reason": "hết chỗ"})
    assert shorter.status_code == 403 and shorter.json()["detail"]["code"] == "camera.retention_lower_admin_only"
    before = _segments(service)
    time.sleep(5)  # the janitor runs every 2 s in this site: it had its chance to delete
    assert _segments(service) >= before > 0  # before the fix: 44 of 45 segments gone in 30 s
    assert installer.patch(f"/api/cameras/{svc.CAMERA}", json={"retention_days": 60}).status_code == 200  # longer: fine


def test_admin_shortens_retention_only_with_a_reason_and_the_audit_shows_old_and_new(service: svc.Service) -> None:
    admin = service.client("admin")
    no_reason = admin.patch(f"/api/cameras/{svc.CAMERA}", json={"retention_days": 7})
    assert no_reason.status_code == 422 and no_reason.json()["detail"]["code"] == "camera.retention_reason_required"
    current = admin.get(f"/api/cameras/{svc.CAMERA}").json()["retention_days"]
    done = admin.patch(f"/api/cameras/{svc.CAMERA}", json={"retention_days": 7, "retention_reason": "Quyết định số 12/QĐ"})
    assert done.status_code == 200
    entry = next(i for i in admin.get("/api/audit", params={"limit": 20}).json()["items"]
                 if i["action"] == "camera_update" and i["target"] == svc.CAMERA)
    assert entry["details"]["changes"]["retention_days"] == [current, 7]
    assert entry["details"]["reason"] == "Quyết định số 12/QĐ"


def test_viewer_sees_no_source_address_user_name_or_server_path(service: svc.Service) -> None:
    viewer = service.client("viewer").get(f"/api/cameras/{svc.CAMERA}").json()
    assert viewer["source_location"] == "" and viewer["username"] is None
    installer = service.client("installer").get(f"/api/cameras/{svc.CAMERA}").json()
    assert installer["source_location"] == "street_day"  # the roles that manage cameras still see it


def test_event_snapshot_cannot_reach_the_keys_beside_the_snapshots(service: svc.Service) -> None:
    from datetime import datetime, timezone

    from vms.db.models import Event

    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            event = Event(camera_id=svc.CAMERA, type="intrusion", start=datetime.now(timezone.utc),
                          severity="info", details={}, snapshot="../../keys/signing_key.pem")
            session.add(event)
            session.flush()
            event_id = event.id
    finally:
        engine.dispose()
    answer = service.client("operator").get(f"/api/events/{event_id}/snapshot.jpg")
    assert answer.status_code == 404 and b"PRIVATE KEY" not in answer.content  # before the fix: the key
