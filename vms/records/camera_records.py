"""Reading and changing camera records; every change is audited with its old and new values.

The programme's camera list is the union of the records and the cameras registered on the server:
a connected camera without a record yet shows with empty fields (status "active"), a record
without a connected camera (planned, retired, or a household camera not wired to the server)
shows as "not connected".
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vms.audit import audit
from vms.db.models import Camera, CameraRecord, CameraStatus, MaintenanceTicket
from vms.records.schemas import RecordFields, RecordOut

OPEN_TICKET_STATES = ("open", "in_progress")
FIELDS = tuple(RecordFields.model_fields)


def _plain(value: object) -> object:
    """A field value as JSON (dates as ISO text) for audit entries and comparisons."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def record_fields(record: CameraRecord | None) -> RecordFields:
    """The editable fields of a stored record (defaults when there is none)."""
    if record is None:
        return RecordFields()
    return RecordFields.model_construct(**{name: getattr(record, name) for name in FIELDS})


def _live_status(camera: Camera | None, status: CameraStatus | None) -> str:
    if camera is None:
        return "not_connected"
    if not camera.enabled:
        return "disabled"
    return "online" if status is not None and status.online else "offline"


def _out(camera_id: str, record: CameraRecord | None, camera: Camera | None, status: CameraStatus | None,
         open_tickets: int) -> RecordOut:
    fields = record_fields(record)
    name = camera.name if camera is not None else (fields.name or camera_id)
    return RecordOut(
        **fields.model_dump(), camera_id=camera_id, connected=camera is not None, display_name=name,
        live_status=_live_status(camera, status),
        has_agreement_scan=bool(record and record.agreement_scan),
        agreement_scan_name=record.agreement_scan_name if record else "",
        open_tickets=open_tickets,
        updated_at=record.updated_at.isoformat() if record else None,
        updated_by=record.updated_by if record else "",
    )


def _open_ticket_counts(session: Session) -> dict[str, int]:
    query = (select(MaintenanceTicket.camera_id, func.count())
             .where(MaintenanceTicket.status.in_(OPEN_TICKET_STATES)).group_by(MaintenanceTicket.camera_id))
    return {camera_id: int(count) for camera_id, count in session.execute(query)}


def list_records(session: Session, scope: frozenset[str] | None) -> list[RecordOut]:
    """Every camera of the programme, connected or not, ordered by hamlet then id.

    A user restricted to some cameras sees only those (and no unconnected records).
    """
    cameras = {c.id: (c, s) for c, s in session.execute(select(Camera, CameraStatus).outerjoin(CameraStatus))}
    records = {r.camera_id: r for r in session.scalars(select(CameraRecord))}
    tickets = _open_ticket_counts(session)
    ids = sorted(set(cameras) | set(records))
    if scope is not None:
        ids = [camera_id for camera_id in ids if camera_id in scope]
    rows = [_out(cid, records.get(cid), *cameras.get(cid, (None, None)), tickets.get(cid, 0)) for cid in ids]
    return sorted(rows, key=lambda row: (row.hamlet or "\uffff", row.camera_id))


def get_record(session: Session, camera_id: str) -> RecordOut | None:
    """One programme camera, or None when neither a record nor a camera has this id."""
    record = session.get(CameraRecord, camera_id)
    camera = session.get(Camera, camera_id)
    if record is None and camera is None:
        return None
    status = session.get(CameraStatus, camera_id) if camera is not None else None
    open_tickets = session.scalar(select(func.count()).where(
        MaintenanceTicket.camera_id == camera_id, MaintenanceTicket.status.in_(OPEN_TICKET_STATES))) or 0
    return _out(camera_id, record, camera, status, int(open_tickets))


def changes_between(before: RecordFields, after: RecordFields) -> dict[str, list[object]]:
    """{field: [old, new]} for every field that differs."""
    changes = {}
    for name in FIELDS:
        old, new = _plain(getattr(before, name)), _plain(getattr(after, name))
        if old != new:
            changes[name] = [old, new]
    return changes


def save_record(session: Session, camera_id: str, fields: RecordFields, username: str, client_ip: str = "",
                action: str = "record_update") -> dict[str, list[object]]:
    """Create or replace the record of `camera_id`; audit the changed fields. Returns the changes.

    The status date moves with the status unless the caller gives one.
    """
    record = session.get(CameraRecord, camera_id)
    before = record_fields(record)
    if fields.status != before.status and fields.status_since is None:
        fields = fields.model_copy(update={"status_since": datetime.now(timezone.utc).date()})
    changes = changes_between(before, fields)
    if record is None:
        record = CameraRecord(camera_id=camera_id)
        session.add(record)
        action = "record_create" if action == "record_update" else action
    for name in FIELDS:
        setattr(record, name, getattr(fields, name))
    record.updated_at = datetime.now(timezone.utc)
    record.updated_by = username
    if changes or action == "record_create":
        audit(session, username, action, target=camera_id, client_ip=client_ip, changes=changes)
    return changes
