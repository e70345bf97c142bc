"""Maintenance tickets: raise (admin, installer, operator), progress and close (admin, installer).

Automatic tickets come from `vms.records.watcher`; these routes are the people's side. Users
restricted to some cameras see and raise tickets for those cameras only.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from vms.access import sees_camera
from vms.api.deps import ContextDep, MaintenanceUser, RecordsEditor, RowId, ScopeDep, SessionDep, client_ip
from vms.api.errors import ApiError, register
from vms.db.models import MaintenanceTicket
from vms.records.camera_records import get_record
from vms.records.maintenance import (TicketError, TicketIn, TicketOut, TicketPatch, open_ticket,
                                     ticket_out, ticket_query, update_ticket)

router = APIRouter(prefix="/api/maintenance", tags=["maintenance"])
TICKET_NOT_FOUND = register("maintenance.not_found", "no such ticket")
CAMERA_UNKNOWN = register("maintenance.camera_unknown", "no camera {camera_id} in the programme")
MAX_LIST = 500


@router.get("/tickets", response_model=list[TicketOut])
def tickets(user: MaintenanceUser, db: SessionDep, scope: ScopeDep, camera_id: str | None = Query(None, max_length=48),
            status: str | None = Query(None, pattern="^(open|in_progress|fixed|cancelled|open_any)$"),
            overdue: bool = False) -> list[TicketOut]:
    """Tickets newest first; `status=open_any` means open or in progress, `overdue` open past due."""
    rows = db.scalars(ticket_query(camera_id, status, overdue).limit(MAX_LIST))
    return [ticket_out(t) for t in rows if sees_camera(scope, t.camera_id)]


class TicketCounts(BaseModel):
    open: int
    overdue: int


@router.get("/summary", response_model=TicketCounts)
def summary(user: MaintenanceUser, db: SessionDep, scope: ScopeDep) -> TicketCounts:
    """Open and overdue ticket counts (the menu badge and the admin page)."""
    def count(overdue: bool) -> int:
        query = ticket_query(status="open_any", overdue=overdue).with_only_columns(MaintenanceTicket.camera_id)
        return sum(1 for camera_id in db.scalars(query) if sees_camera(scope, camera_id))
    return TicketCounts(open=count(False), overdue=count(True))


@router.post("/tickets", response_model=TicketOut, status_code=201)
def raise_ticket(body: TicketIn, request: Request, user: MaintenanceUser, db: SessionDep, scope: ScopeDep,
                 ctx: ContextDep) -> TicketOut:
    if not sees_camera(scope, body.camera_id) or get_record(db, body.camera_id) is None:
        raise ApiError(404, CAMERA_UNKNOWN, camera_id=body.camera_id)
    due_days = body.due_days or ctx.config.programme.ticket_due_days
    ticket = open_ticket(db, body.camera_id, body.fault, user.username, due_days, client_ip=client_ip(request))
    db.commit()
    return ticket_out(ticket)


@router.patch("/tickets/{ticket_id}", response_model=TicketOut)
def patch_ticket(ticket_id: RowId, body: TicketPatch, request: Request, user: RecordsEditor, db: SessionDep,
                 scope: ScopeDep) -> TicketOut:
    ticket = db.get(MaintenanceTicket, ticket_id)
    if ticket is None or not sees_camera(scope, ticket.camera_id):
        raise ApiError(404, TICKET_NOT_FOUND)
    try:
        update_ticket(db, ticket, body, user.username, client_ip(request))
    except TicketError as error:
        raise ApiError(409 if error.code.endswith("closed") else 422, error.code) from None
    db.commit()
    return ticket_out(ticket)
