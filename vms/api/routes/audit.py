"""The audit log, read-only: admins list it and export it as CSV (the export is itself logged).
No route edits or deletes entries."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Select, select

from vms.api.deps import SessionDep, UsersAdmin, client_ip
from vms.api.ranges import check_range
from vms.audit import audit
from vms.spreadsheet import safe_row
from vms.db.models import AuditEntry

router = APIRouter(prefix="/api", tags=["audit"])
CSV_MAX_ROWS = 200_000


class AuditOut(BaseModel):
    id: int
    ts: datetime
    username: str
    action: str
    target: str
    client_ip: str
    details: dict


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_cursor: str | None


def _query(
    start: datetime | None, end: datetime | None, username: str | None, action: str | None
) -> Select[tuple[AuditEntry]]:
    check_range(start, end)
    query = select(AuditEntry)
    if start is not None:
        query = query.where(AuditEntry.ts >= start)
    if end is not None:
        query = query.where(AuditEntry.ts < end)
    if username:
        query = query.where(AuditEntry.username == username)
    if action:
        query = query.where(AuditEntry.action == action)
    return query.order_by(AuditEntry.id.desc())


@router.get("/audit", response_model=AuditPage)
def list_audit(
    admin: UsersAdmin,
    db: SessionDep,
    start: datetime | None = Query(None, description="ISO 8601 with time zone"),
    end: datetime | None = Query(None, description="ISO 8601 with time zone"),
    username: str | None = Query(None, min_length=1, max_length=64),
    action: str | None = Query(None, min_length=1, max_length=48),
    cursor: str | None = Query(
        None, max_length=18, pattern=r"^\d{1,18}$", description="next_cursor of the last page"
    ),
    limit: int = Query(50, ge=1, le=200),
) -> AuditPage:
    """Newest first; entries are ordered by id, so the cursor is the last id seen."""
    query = _query(start, end, username, action)
    if cursor:
        query = query.where(AuditEntry.id < int(cursor))
    rows = list(db.scalars(query.limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return AuditPage(
        items=[AuditOut.model_validate(r, from_attributes=True) for r in rows[:limit]],
        next_cursor=next_cursor,
    )


@router.get("/audit.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_audit(
    request: Request,
    admin: UsersAdmin,
    db: SessionDep,
    start: datetime | None = Query(None, description="ISO 8601 with time zone"),
    end: datetime | None = Query(None, description="ISO 8601 with time zone"),
    username: str | None = Query(None, min_length=1, max_length=64),
    action: str | None = Query(None, min_length=1, max_length=48),
) -> Response:
    """CSV in UTF-8 with a BOM (so Excel shows Vietnamese), newest first."""
    query = _query(start, end, username, action)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "ts_utc", "username", "action", "target", "client_ip", "details"])
    for row in db.scalars(query.limit(CSV_MAX_ROWS)):
        writer.writerow(safe_row(  # a user name like "=HYPERLINK(...)" must stay text in Excel
            [
                row.id,
                row.ts.isoformat(),
                row.username,
                row.action,
                row.target,
                row.client_ip,
                json.dumps(row.details, ensure_ascii=False, sort_keys=True),
            ]
        ))
    audit(
        db,
        admin.username,
        "audit_export",
        client_ip=client_ip(request),
        filters={k: v for k, v in {"username": username, "action": action}.items() if v},
    )
    db.commit()
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
