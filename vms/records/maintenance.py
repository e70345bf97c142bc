"""Maintenance tickets: one fault of one camera from report to repair, every change audited.

A ticket is raised by hand (an operator sees a broken picture) or automatically by the watcher
(`vms.records.watcher`): a camera offline longer than a threshold, or a tamper alarm that lasts.
It is overdue when still open past its due time. Closing it as fixed records who fixed it, what
was done, what it cost and who paid — the figures the periodic review sums.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from vms.api.errors import register
from vms.audit import audit
from vms.db.models import MaintenanceTicket
from vms.records.schemas import PartyKind

TicketStatus = Literal["open", "in_progress", "fixed", "cancelled"]
OPEN_STATES = ("open", "in_progress")
FIXED_NEEDS_TECHNICIAN = register("maintenance.fixed_needs_technician", "say who fixed it")
CANCEL_NEEDS_NOTE = register("maintenance.cancel_needs_note", "say why the ticket is cancelled")
TICKET_CLOSED = register("maintenance.ticket_closed", "this ticket is closed; open a new one")
MAX_COST_VND = 10**12


class TicketIn(BaseModel):
    """A fault reported by hand."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    camera_id: str = Field(min_length=1, max_length=48)
    fault: str = Field(min_length=1, max_length=2000)
    due_days: float | None = Field(None, gt=0, le=365, description="default: the site's ticket_due_days")


class TicketPatch(BaseModel):
    """Progress on a ticket; omitted fields keep their value."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: TicketStatus | None = None
    fault: str | None = Field(None, min_length=1, max_length=2000)
    fixed_by: str | None = Field(None, max_length=120)
    fixed_at: datetime | None = None
    work_done: str | None = Field(None, max_length=2000)
    cost_vnd: int | None = Field(None, ge=0, le=MAX_COST_VND)
    paid_by_kind: PartyKind | None = None
    paid_by_name: str | None = Field(None, max_length=120)


class TicketOut(BaseModel):
    id: int
    camera_id: str
    source: str
    status: str
    fault: str
    opened_at: datetime
    opened_by: str
    due_at: datetime
    overdue: bool
    event_id: int | None
    recovered_at: datetime | None
    fixed_at: datetime | None
    fixed_by: str
    work_done: str
    cost_vnd: int | None
    paid_by_kind: str
    paid_by_name: str
    closed_by: str


class TicketError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def ticket_out(ticket: MaintenanceTicket, now: datetime | None = None) -> TicketOut:
    now = now or datetime.now(timezone.utc)
    overdue = ticket.status in OPEN_STATES and ticket.due_at < now
    fields = {name: getattr(ticket, name) for name in TicketOut.model_fields if name != "overdue"}
    return TicketOut(**fields, overdue=overdue)


def open_ticket(session: Session, camera_id: str, fault: str, opened_by: str, due_days: float, *,
                source: str = "manual", event_id: int | None = None, client_ip: str = "",
                now: datetime | None = None) -> MaintenanceTicket:
    now = now or datetime.now(timezone.utc)
    ticket = MaintenanceTicket(camera_id=camera_id, fault=fault, opened_by=opened_by, opened_at=now,
                               due_at=now + timedelta(days=due_days), source=source, event_id=event_id,
                               status="open", updated_at=now)
    session.add(ticket)
    session.flush()
    audit(session, opened_by, "ticket_open", target=camera_id, client_ip=client_ip, ticket=ticket.id,
          source=source, fault=fault[:200])
    return ticket


def update_ticket(session: Session, ticket: MaintenanceTicket, patch: TicketPatch, username: str,
                  client_ip: str = "", now: datetime | None = None) -> dict[str, list[object]]:
    """Apply `patch`; a ticket becomes fixed only with a technician, cancelled only with a note."""
    now = now or datetime.now(timezone.utc)
    if ticket.status not in OPEN_STATES:
        raise TicketError(TICKET_CLOSED)
    wanted = patch.model_dump(exclude_unset=True)
    after = {name: wanted.get(name, getattr(ticket, name)) for name in TicketPatch.model_fields}
    if after["status"] == "fixed":
        if not after["fixed_by"]:
            raise TicketError(FIXED_NEEDS_TECHNICIAN)
        after["fixed_at"] = after["fixed_at"] or now
    if after["status"] == "cancelled" and not after["work_done"]:
        raise TicketError(CANCEL_NEEDS_NOTE)
    changes = {}
    for name, value in after.items():
        old = getattr(ticket, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(ticket, name, value)
    if ticket.status not in OPEN_STATES:
        ticket.closed_by = username
    ticket.updated_at = now
    if changes:
        audit(session, username, "ticket_update", target=ticket.camera_id, client_ip=client_ip,
              ticket=ticket.id, changes=changes)
    return changes


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def ticket_query(camera_id: str | None = None, status: str | None = None, overdue: bool = False,
                 now: datetime | None = None) -> Select[tuple[MaintenanceTicket]]:
    """Tickets newest first, narrowed by camera, status or "overdue" (open past the due time)."""
    query = select(MaintenanceTicket).order_by(MaintenanceTicket.opened_at.desc(), MaintenanceTicket.id.desc())
    if camera_id is not None:
        query = query.where(MaintenanceTicket.camera_id == camera_id)
    if status == "open_any":
        query = query.where(MaintenanceTicket.status.in_(OPEN_STATES))
    elif status is not None:
        query = query.where(MaintenanceTicket.status == status)
    if overdue:
        query = query.where(MaintenanceTicket.status.in_(OPEN_STATES),
                            MaintenanceTicket.due_at < (now or datetime.now(timezone.utc)))
    return query


def open_ticket_for(session: Session, camera_id: str, source: str) -> MaintenanceTicket | None:
    """The camera's open ticket of this source, if any (one fault, one ticket)."""
    query = ticket_query(camera_id).where(MaintenanceTicket.source == source,
                                          MaintenanceTicket.status.in_(OPEN_STATES)).limit(1)
    return session.scalars(query).first()
