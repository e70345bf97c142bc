"""The programme's camera records: list, edit, agreement scans, history, import.

Reading needs the `records` capability (owners' contacts are in the records); changing needs
`records_edit` (admin, installer). Every change is audited with old and new values. Uploads are
the raw request body (the file's own content type), read as a stream and refused as soon as they
pass their cap, so an oversized file never reaches the disk.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path as PathParam, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy import select

from vms.access import sees_camera
from vms.api.deps import ContextDep, RecordsEditor, RecordsUser, ScopeDep, SessionDep, client_ip
from vms.api.errors import ApiError, register
from vms.api.limits import allow_body
from vms.api.uploads import read_body
from vms.audit import audit
from vms.config import SCAN_MB_LIMIT
from vms.db.models import AuditEntry, CameraRecord
from vms.records.camera_records import get_record, list_records, record_fields, save_record
from vms.records.files import SCAN_TYPES, UploadRefused, bytes_stream, store_upload, stored_path
from vms.records.importer import ImportRefused, run_import
from vms.records.maintenance import TicketOut, ticket_out, ticket_query
from vms.records.schemas import CAMERA_ID_PATTERN, MapPosition, RecordFields, RecordOut

router = APIRouter(prefix="/api/records", tags=["records"])
NOT_FOUND = register("records.not_found", "no such camera in the programme")
NO_SCAN = register("records.no_scan", "no agreement scan on file")
IMPORT_MAX_BYTES = 5 << 20
# The body-size middleware lets uploads through up to the largest cap a site may configure; each
# route then applies the site's own cap (and answers with a precise "larger than N MB").
allow_body("PUT", "/api/records/scans/*", (SCAN_MB_LIMIT << 20) + (64 << 10))
allow_body("POST", "/api/records/import", IMPORT_MAX_BYTES + (64 << 10))
CameraId = Annotated[str, PathParam(pattern=CAMERA_ID_PATTERN, max_length=48)]


def _visible(db: SessionDep, camera_id: str, scope: frozenset[str] | None) -> RecordOut:
    record = get_record(db, camera_id) if sees_camera(scope, camera_id) else None
    if record is None:
        raise ApiError(404, NOT_FOUND, camera_id=camera_id)
    return record


@router.get("/cameras", response_model=list[RecordOut])
def records(user: RecordsUser, db: SessionDep, scope: ScopeDep) -> list[RecordOut]:
    return list_records(db, scope)


@router.get("/cameras/{camera_id}", response_model=RecordOut)
def record(camera_id: CameraId, user: RecordsUser, db: SessionDep, scope: ScopeDep) -> RecordOut:
    return _visible(db, camera_id, scope)


@router.put("/cameras/{camera_id}", response_model=RecordOut)
def put_record(camera_id: CameraId, body: RecordFields, request: Request, user: RecordsEditor,
               db: SessionDep, scope: ScopeDep) -> RecordOut:
    """Create or replace a camera's record (a new id makes a record for an unconnected camera)."""
    if not sees_camera(scope, camera_id):
        raise ApiError(404, NOT_FOUND, camera_id=camera_id)
    save_record(db, camera_id, body, user.username, client_ip(request))
    db.commit()
    return _visible(db, camera_id, scope)


@router.put("/cameras/{camera_id}/position", response_model=RecordOut)
def put_position(camera_id: CameraId, body: MapPosition, request: Request, user: RecordsEditor, db: SessionDep,
                 scope: ScopeDep) -> RecordOut:
    """Place a camera on the site map (drag and drop); only the position changes."""
    _visible(db, camera_id, scope)
    fields = RecordFields.model_validate({**record_fields(db.get(CameraRecord, camera_id)).model_dump(),
                                          "map_x": body.map_x, "map_y": body.map_y})
    save_record(db, camera_id, fields, user.username, client_ip(request))
    db.commit()
    return _visible(db, camera_id, scope)


def _save_scan(ctx: ContextDep, db: SessionDep, camera_id: str, data: bytes, name: str, username: str,
               ip: str) -> None:
    stored = store_upload(bytes_stream(data), ctx.paths.records, "scan", ctx.config.programme.max_scan_mb << 20,
                          SCAN_TYPES)
    row = db.get(CameraRecord, camera_id)
    if row is None:
        save_record(db, camera_id, RecordFields(), username, ip, action="record_create")
        db.flush()
        row = db.get(CameraRecord, camera_id)
    assert row is not None
    old = row.agreement_scan_name
    row.agreement_scan, row.agreement_scan_name = stored.file_name, name[:200]
    audit(db, username, "record_scan_upload", target=camera_id, client_ip=ip,
          changes={"agreement_scan": [old, row.agreement_scan_name]}, sha256=stored.sha256, bytes=stored.size)
    db.commit()


@router.put("/scans/{camera_id}", response_model=RecordOut,
            openapi_extra={"requestBody": {"content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                       for t in sorted(SCAN_TYPES)}}})
async def put_scan(camera_id: CameraId, request: Request, user: RecordsEditor, db: SessionDep, scope: ScopeDep,
                   ctx: ContextDep, name: str = Query("", max_length=200)) -> RecordOut:
    """Upload the signed agreement / consent (PDF, JPEG or PNG, at most `programme.max_scan_mb`)."""
    await run_in_threadpool(_visible, db, camera_id, scope)
    data = await read_body(request, ctx.config.programme.max_scan_mb << 20)
    try:
        await run_in_threadpool(_save_scan, ctx, db, camera_id, data, name or "scan", user.username,
                                client_ip(request))
    except UploadRefused as error:
        raise ApiError(error.status, error.code, **error.params) from None
    return await run_in_threadpool(_visible, db, camera_id, scope)


@router.get("/scans/{camera_id}", response_class=FileResponse,
            responses={200: {"content": {t: {} for t in sorted(SCAN_TYPES)}}})
def get_scan(camera_id: CameraId, request: Request, user: RecordsUser, db: SessionDep, scope: ScopeDep,
             ctx: ContextDep) -> FileResponse:
    _visible(db, camera_id, scope)
    row = db.get(CameraRecord, camera_id)
    try:
        path = stored_path(ctx.paths.records, row.agreement_scan or "") if row is not None else None
    except FileNotFoundError:
        path = None
    if path is None:
        raise ApiError(404, NO_SCAN)
    audit(db, user.username, "record_scan_view", target=camera_id, client_ip=client_ip(request))
    db.commit()
    media = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}[path.suffix.lstrip(".")]
    return FileResponse(path, media_type=media, filename=f"{camera_id}-thoa-thuan{path.suffix}")


class HistoryEntry(BaseModel):
    ts: str
    username: str
    action: str
    details: dict


class History(BaseModel):
    tickets: list[TicketOut]
    changes: list[HistoryEntry]


@router.get("/cameras/{camera_id}/history", response_model=History)
def history(camera_id: CameraId, user: RecordsUser, db: SessionDep, scope: ScopeDep) -> History:
    """The camera's maintenance tickets and every change to its record, newest first."""
    _visible(db, camera_id, scope)
    tickets = [ticket_out(t) for t in db.scalars(ticket_query(camera_id).limit(200))]
    entries = db.scalars(select(AuditEntry).where(AuditEntry.target == camera_id,
                                                  AuditEntry.action.like("record%"))
                         .order_by(AuditEntry.id.desc()).limit(200))
    changes = [HistoryEntry(ts=e.ts.isoformat(), username=e.username, action=e.action, details=e.details or {})
               for e in entries]
    return History(tickets=tickets, changes=changes)


class ImportOut(BaseModel):
    dry_run: bool
    applied: bool
    rows: int
    creates: list[str]
    updates: list[dict]
    unchanged: list[str]
    errors: list[dict]
    ignored_columns: list[str]


def _import(db: SessionDep, data: bytes, kind: str, dry_run: bool, username: str, ip: str) -> ImportOut:
    try:
        result = run_import(db, data, kind, dry_run, username, ip)
    except ImportRefused as error:
        raise ApiError(422, error.code, **error.params) from None
    if result.applied:
        db.commit()
    else:
        db.rollback()
    return ImportOut(dry_run=result.dry_run, applied=result.applied, rows=result.rows, creates=result.creates,
                     updates=result.updates, unchanged=result.unchanged,
                     errors=[e.as_dict() for e in result.errors], ignored_columns=result.ignored_columns)


@router.post("/import", response_model=ImportOut,
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}},
                                                        "application/octet-stream": {"schema": {"type": "string",
                                                                                                "format": "binary"}}}}})
async def import_records(request: Request, user: RecordsEditor, db: SessionDep,
                         kind: Literal["csv", "xlsx"] = Query("csv", alias="format"),
                         dry_run: bool = Query(True)) -> ImportOut:
    """Import the commune's camera list (CSV or xlsx as the body). `dry_run=true` (the default)
    only reports what would change; a file with any bad row changes nothing."""
    data = await read_body(request, IMPORT_MAX_BYTES)
    return await run_in_threadpool(_import, db, data, kind, dry_run, user.username, client_ip(request))
