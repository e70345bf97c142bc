"""Automatic maintenance tickets: a camera offline too long, a tamper alarm that lasts.

The watcher reads what the workers already write — open `camera_offline` and `tamper` events
(end not set yet) — so it needs no connection to the cameras. One fault is one ticket: while a
camera's automatic ticket is open, a new outage re-opens its "still faulty" state instead of
raising another. When the fault clears by itself (the camera is back, the view restored), the
ticket is marked recovered but stays open: a technician still says what was wrong.
Disabled cameras and cameras the programme lists as planned or retired get no tickets.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vms.audit import audit
from vms.config import ProgrammeConfig
from vms.db.models import Camera, CameraRecord, Event, MaintenanceTicket
from vms.records.maintenance import OPEN_STATES, open_ticket, open_ticket_for

log = logging.getLogger(__name__)
SYSTEM_USER = "system"
WATCHED = {"offline": "camera_offline", "tamper": "tamper"}


@dataclass
class WatchReport:
    opened: int = 0
    recovered: int = 0
    relapsed: int = 0


def _watched_cameras(session: Session) -> set[str]:
    enabled = set(session.scalars(select(Camera.id).where(Camera.enabled.is_(True))))
    idle = set(session.scalars(select(CameraRecord.camera_id).where(CameraRecord.status.in_(("planned", "retired")))))
    return enabled - idle


def _open_events(session: Session, kind: str, older_than: datetime) -> dict[str, Event]:
    """Per camera, its oldest still-open event of `kind` that started before `older_than`."""
    query = (select(Event).where(Event.type == kind, Event.end.is_(None), Event.start <= older_than,
                                 Event.camera_id.is_not(None)).order_by(Event.start))
    found: dict[str, Event] = {}
    for event in session.scalars(query):
        found.setdefault(event.camera_id, event)
    return found


def _fault_text(source: str, event: Event) -> str:
    reason = str((event.details or {}).get("reason", "") or (event.details or {}).get("kind", ""))
    return f"{source}: {reason}"[:2000] if reason else source


def check_once(session: Session, config: ProgrammeConfig, now: datetime | None = None) -> WatchReport:
    """One pass: open tickets for lasting faults, mark recoveries and relapses. Caller commits."""
    now = now or datetime.now(timezone.utc)
    report = WatchReport()
    cameras = _watched_cameras(session)
    thresholds = {"offline": config.offline_ticket_after_min, "tamper": config.tamper_ticket_after_min}
    for source, kind in WATCHED.items():
        lasting = _open_events(session, kind, now - timedelta(minutes=thresholds[source]))
        for camera_id, event in lasting.items():
            if camera_id not in cameras:
                continue
            ticket = open_ticket_for(session, camera_id, source)
            if ticket is None:
                open_ticket(session, camera_id, _fault_text(source, event), SYSTEM_USER, config.ticket_due_days,
                            source=source, event_id=event.id, now=now)
                report.opened += 1
            elif ticket.recovered_at is not None:
                ticket.recovered_at = None
                ticket.event_id = event.id
                audit(session, SYSTEM_USER, "ticket_relapse", target=camera_id, ticket=ticket.id)
                report.relapsed += 1
        report.recovered += _mark_recovered(session, source, kind, now)
    return report


def _mark_recovered(session: Session, source: str, kind: str, now: datetime) -> int:
    """Open automatic tickets whose camera has no open event of `kind` any more."""
    still_faulty = set(session.scalars(select(Event.camera_id).where(Event.type == kind, Event.end.is_(None))))
    query = select(MaintenanceTicket).where(MaintenanceTicket.source == source,
                                            MaintenanceTicket.status.in_(OPEN_STATES),
                                            MaintenanceTicket.recovered_at.is_(None))
    count = 0
    for ticket in session.scalars(query):
        if ticket.camera_id not in still_faulty:
            ticket.recovered_at = now
            audit(session, SYSTEM_USER, "ticket_recovered", target=ticket.camera_id, ticket=ticket.id)
            count += 1
    return count


class MaintenanceWatcher:
    """Runs `check_once` every `check_interval_s` on its own thread and database session."""

    def __init__(self, factory: sessionmaker[Session], config: ProgrammeConfig) -> None:
        self.factory = factory
        self.config = config
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> WatchReport:
        with self.factory.begin() as session:
            return check_once(session, self.config)

    def _loop(self) -> None:
        while not self._stop.wait(self.config.check_interval_s):
            try:
                report = self.run_once()
                if report.opened or report.recovered or report.relapsed:
                    log.info("maintenance watcher: %s", report)
            except Exception:  # a locked or briefly unreachable database: try again next pass
                log.exception("maintenance watcher pass failed")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="maintenance-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
