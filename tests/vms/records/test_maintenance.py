"""Maintenance tickets: by hand through the API, and automatically from lasting offline and tamper events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient
from sqlalchemy import select

from vms.config import ProgrammeConfig
from vms.db.models import AuditEntry, CameraRecord, Event, MaintenanceTicket
from vms.records.watcher import check_once
from vms.service import Site

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
CONFIG = ProgrammeConfig(offline_ticket_after_min=60, tamper_ticket_after_min=10, ticket_due_days=3)


def test_raise_progress_and_close_a_ticket(admin: TestClient, site: Site) -> None:
    raised = admin.post("/api/maintenance/tickets", json={"camera_id": "cam1", "fault": "Hình mờ, nghi bám bụi"})
    assert raised.status_code == 201, raised.text
    ticket = raised.json()
    assert (ticket["status"], ticket["source"], ticket["opened_by"], ticket["overdue"]) == ("open", "manual", "admin",
                                                                                           False)
    url = f"/api/maintenance/tickets/{ticket['id']}"
    refused = admin.patch(url, json={"status": "fixed"})
    assert refused.status_code == 422 and refused.json()["detail"]["code"] == "maintenance.fixed_needs_technician"
    fixed = admin.patch(url, json={"status": "fixed", "fixed_by": "Trần Văn Bình", "work_done": "Lau ống kính",
                                   "cost_vnd": 150000, "paid_by_kind": "commune", "paid_by_name": "UBND xã"})
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["status"], fixed.json()["closed_by"], fixed.json()["cost_vnd"]) == ("fixed", "admin", 150000)
    assert fixed.json()["fixed_at"] is not None
    assert admin.patch(url, json={"work_done": "x"}).json()["detail"]["code"] == "maintenance.ticket_closed"
    with site.session_factory() as session:
        update = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket_update")).one()
    assert update.details["changes"]["status"] == ["open", "fixed"]
    assert update.details["changes"]["cost_vnd"] == [None, 150000]
    assert admin.post("/api/maintenance/tickets", json={"camera_id": "nope", "fault": "x"}).status_code == 404
    history = admin.get("/api/records/cameras/cam1/history").json()
    assert [t["id"] for t in history["tickets"]] == [ticket["id"]]


def test_overdue_tickets_are_listed_and_counted(admin: TestClient, site: Site) -> None:
    with site.session_factory.begin() as session:
        session.add(MaintenanceTicket(camera_id="cam1", fault="old", opened_by="operator",
                                      opened_at=NOW - timedelta(days=10), due_at=NOW - timedelta(days=3)))
        session.add(MaintenanceTicket(camera_id="cam2", fault="new", opened_by="operator",
                                      due_at=datetime.now(timezone.utc) + timedelta(days=3)))
    overdue = admin.get("/api/maintenance/tickets?overdue=true").json()
    assert [t["fault"] for t in overdue] == ["old"] and overdue[0]["overdue"] is True
    assert admin.get("/api/maintenance/summary").json() == {"open": 2, "overdue": 1}


def _offline(session, camera_id: str, minutes: float, kind: str = "camera_offline") -> Event:  # type: ignore[no-untyped-def]
    event = Event(camera_id=camera_id, type=kind, start=NOW - timedelta(minutes=minutes), end=None,
                  severity="warning", details={"reason": "connection refused"})
    session.add(event)
    session.flush()
    return event


def _tickets(site: Site) -> list[MaintenanceTicket]:
    with site.session_factory() as session:
        return list(session.scalars(select(MaintenanceTicket).order_by(MaintenanceTicket.id)))


def test_watcher_opens_one_ticket_per_lasting_fault_and_marks_recovery(site: Site) -> None:
    with site.session_factory.begin() as session:
        event = _offline(session, "cam1", minutes=90)
        _offline(session, "cam2", minutes=30)  # not long enough yet
    with site.session_factory.begin() as session:
        assert check_once(session, CONFIG, now=NOW).opened == 1
    with site.session_factory.begin() as session:
        assert check_once(session, CONFIG, now=NOW + timedelta(minutes=5)).opened == 0  # one fault, one ticket
    (ticket,) = _tickets(site)
    assert (ticket.camera_id, ticket.source, ticket.opened_by, ticket.event_id) == ("cam1", "offline", "system",
                                                                                    event.id)
    assert ticket.due_at - ticket.opened_at == timedelta(days=3)
    assert "connection refused" in ticket.fault
    with site.session_factory.begin() as session:
        session.get(Event, event.id).end = NOW + timedelta(minutes=6)  # the camera came back
    with site.session_factory.begin() as session:
        assert check_once(session, CONFIG, now=NOW + timedelta(minutes=7)).recovered == 1
    assert _tickets(site)[0].recovered_at is not None and _tickets(site)[0].status == "open"
    with site.session_factory.begin() as session:
        session.add(Event(camera_id="cam1", type="camera_offline", start=NOW, end=None, severity="warning",
                          details={}))
    with site.session_factory.begin() as session:
        assert check_once(session, CONFIG, now=NOW + timedelta(minutes=70)).relapsed == 1
    cam1 = [t for t in _tickets(site) if t.camera_id == "cam1"]
    assert len(cam1) == 1 and cam1[0].recovered_at is None  # the same fault again: the same ticket


def test_watcher_tickets_lasting_tamper_but_not_planned_or_disabled_cameras(site: Site) -> None:
    with site.session_factory.begin() as session:
        _offline(session, "cam1", minutes=15, kind="tamper")
        _offline(session, "cam2", minutes=600)
        session.add(CameraRecord(camera_id="cam2", status="planned", coverage=[]))
    with site.session_factory.begin() as session:
        check_once(session, CONFIG, now=NOW)
    assert [(t.camera_id, t.source) for t in _tickets(site)] == [("cam1", "tamper")]
