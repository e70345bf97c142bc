"""Events: search with keyset pagination, detail, snapshot thumbnail, and the multi-camera timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import can, sees_camera
from vms.api.limits import MIB, allow_body
from vms.api.ranges import Moment, check_range
from vms.api.deps import CAMERA_NOT_FOUND, ContextDep, EventsUser, ExportUser, RowId, ScopeDep, SessionDep, client_ip
from vms.api.errors import ApiError, register
from vms.api.overload import model_response
from vms.alarms.reviews import reviews_of
from vms.api.schemas import EventObjectOut, EventOut, EventPage, ReviewOut
from vms.audit import audit
from vms.db.models import Camera, Event
from vms.event_import import (IMPORT_ERRORS, IMPORT_VALIDATION_ERRORS, IMPORTED_PREFIX, Analysis, ImportError_,
                              import_analysis)
from vms.search import CursorError, EventFilter, camera_coverage, camera_events, objects_of, search_events

router = APIRouter(prefix="/api", tags=["events"])
MAX_TIMELINE = timedelta(days=31)
Text48 = Annotated[str, Query(min_length=1, max_length=48)]
SEARCH_NOT_ALLOWED = register("events.search_not_allowed", "your role may list events by camera and time only")
BAD_CURSOR = register("events.invalid_cursor", "invalid cursor")
EVENT_NOT_FOUND = register("event.not_found", "no such event")
NO_SNAPSHOT = register("event.no_snapshot", "this event has no snapshot")
SNAPSHOT_MISSING = register("event.snapshot_missing", "snapshot file missing")
for _code, _english in {**IMPORT_ERRORS, **IMPORT_VALIDATION_ERRORS}.items():
    register(_code, _english)


def events_out(db: Session, rows: list[Event]) -> list[EventOut]:
    names = dict(db.execute(select(Camera.id, Camera.name)).tuples().all())
    objects = objects_of(db, [row.id for row in rows])
    reviews = reviews_of(db, [row.id for row in rows])
    return [
        EventOut(
            id=row.id,
            camera_id=row.camera_id,
            camera_name=names.get(row.camera_id or ""),
            type=row.type,
            start=row.start,
            end=row.end,
            severity=row.severity,
            zone=row.zone,
            detector=row.detector,
            imported=(row.detector or "").startswith(IMPORTED_PREFIX),
            object_classes=[c for c in row.object_classes.split(",") if c],
            objects=[EventObjectOut.model_validate(o, from_attributes=True) for o in objects[row.id]],
            details=row.details or {},
            has_snapshot=bool(row.snapshot),
            alarm_level=row.alarm_level,
            review_state=row.review_state,
            reviews=[ReviewOut.model_validate(step, from_attributes=True) for step in reviews[row.id]],
        )
        for row in rows
    ]


def events_json(db: Session, rows: list[Event]) -> list[dict]:
    """Events as the JSON the API returns (what the event watcher pushes to open pages)."""
    return [event.model_dump(mode="json") for event in events_out(db, rows)]


def _scoped_cameras(scope: frozenset[str] | None, asked: list[str]) -> frozenset[str] | None:
    if not asked:
        return scope
    wanted = frozenset(asked)
    return wanted if scope is None else wanted & scope


@router.get("/events", response_model=EventPage)
def list_events(
    request: Request,
    user: EventsUser,
    db: SessionDep,
    scope: ScopeDep,
    start: datetime | None = Query(None, description="ISO 8601 with time zone"),
    end: datetime | None = Query(None, description="ISO 8601 with time zone"),
    camera_id: list[Text48] = Query([]),
    type: list[Annotated[str, Query(min_length=1, max_length=32)]] = Query([]),
    object_class: list[Annotated[str, Query(min_length=1, max_length=16)]] = Query([]),
    zone: str | None = Query(None, min_length=1, max_length=64),
    colour: str | None = Query(None, min_length=1, max_length=16),
    direction: str | None = Query(None, min_length=1, max_length=8),
    review_state: list[Literal["new", "acknowledged", "false_alarm", "handled"]] = Query(
        [], description="alarm review state"),
    origin: Literal["site", "imported"] | None = Query(
        None, description="site: the site's own detections; imported: events imported from handed-in footage"),
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    """Events newest first. Filters beyond camera and time need the search capability."""
    check_range(start, end)
    searching = bool(type or object_class or zone or colour or direction or review_state)
    if searching and not can(user, "search"):
        raise ApiError(403, SEARCH_NOT_ALLOWED)
    criteria = EventFilter(
        start=start,
        end=end,
        cameras=_scoped_cameras(scope, camera_id),
        types=tuple(type),
        object_classes=tuple(object_class),
        zone=zone,
        colour=colour,
        direction=direction,
        review_states=tuple(review_state),
        origin=origin,
        site_wide=scope is None,
    )
    try:
        rows, next_cursor = search_events(db, criteria, limit, cursor)
    except CursorError:
        raise ApiError(422, BAD_CURSOR) from None
    filters = _filters_for_audit(criteria)
    filters.update({"cameras": sorted(camera_id)} if camera_id else {})
    # One entry per search, not per page; the bare newest-events feed the UI polls is not a search.
    if cursor is None and filters:
        audit(db, user.username, "search", client_ip=client_ip(request), **filters)
        db.commit()
    return model_response(EventPage(items=events_out(db, rows), next_cursor=next_cursor))


def _filters_for_audit(criteria: EventFilter) -> dict[str, object]:
    values = {
        "start": criteria.start.isoformat() if criteria.start else None,
        "end": criteria.end.isoformat() if criteria.end else None,
        "types": list(criteria.types),
        "object_classes": list(criteria.object_classes),
        "zone": criteria.zone,
        "colour": criteria.colour,
        "direction": criteria.direction,
        "review_states": list(criteria.review_states),
        "origin": criteria.origin,
    }
    return {key: value for key, value in values.items() if value}


def _visible_event(db: Session, event_id: int, scope: frozenset[str] | None) -> Event:
    event = db.get(Event, event_id)
    if event is None or not sees_camera(scope, event.camera_id):
        raise ApiError(404, EVENT_NOT_FOUND, event_id=event_id)
    return event


@router.get("/events/{event_id}", response_model=EventOut)
def get_event(
    event_id: RowId, request: Request, user: EventsUser, db: SessionDep, scope: ScopeDep
) -> EventOut:
    event = _visible_event(db, event_id, scope)
    audit(db, user.username, "event_view", target=str(event_id), client_ip=client_ip(request))
    db.commit()
    return events_out(db, [event])[0]


@router.get(
    "/events/{event_id}/snapshot.jpg",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def event_snapshot(
    event_id: RowId, user: EventsUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep
) -> FileResponse:
    event = _visible_event(db, event_id, scope)
    if not event.snapshot:
        raise ApiError(404, NO_SNAPSHOT)
    base = ctx.paths.snapshots.resolve()
    path = (base / event.snapshot).resolve()
    # Stored paths are relative to state/snapshots; refuse anything outside that folder (state/
    # also holds the keys and the database).
    if not path.is_relative_to(base) or path.suffix.lower() not in (".jpg", ".jpeg") or not path.is_file():
        raise ApiError(404, SNAPSHOT_MISSING)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


class TimelineEvent(BaseModel):
    id: int
    type: str
    start: datetime
    end: datetime | None
    severity: str
    imported: bool = False


class TimelineCamera(BaseModel):
    camera_id: str
    name: str
    coverage: list[tuple[datetime, datetime]]
    events: list[TimelineEvent]


class Timeline(BaseModel):
    cameras: list[TimelineCamera]


@router.get("/timeline", response_model=Timeline)
def timeline(
    user: EventsUser,
    db: SessionDep,
    scope: ScopeDep,
    start: datetime = Query(description="ISO 8601 with time zone"),
    end: datetime = Query(description="ISO 8601 with time zone"),
    camera_id: list[Text48] = Query([]),
) -> Response:
    """Recorded coverage (segments merged, gaps over 2 s split) and events per camera over a range."""
    check_range(start, end, MAX_TIMELINE, "timeline")
    wanted = _scoped_cameras(scope, camera_id)
    query = select(Camera).order_by(Camera.id)
    if wanted is not None:
        query = query.where(Camera.id.in_(sorted(wanted)))
    cameras = []
    for camera in db.scalars(query):
        events = [
            TimelineEvent(id=e.id, type=e.type, start=e.start, end=e.end, severity=e.severity,
                          imported=(e.detector or "").startswith(IMPORTED_PREFIX))
            for e in camera_events(db, camera.id, start, end)
        ]
        cameras.append(
            TimelineCamera(
                camera_id=camera.id,
                name=camera.name,
                coverage=camera_coverage(db, camera.id, start, end),
                events=events,
            )
        )
    return model_response(Timeline(cameras=cameras))


class ImportRequest(BaseModel):
    camera_id: str = Field(min_length=1, max_length=48, description="camera the footage belongs to")
    started_at: Moment | None = Field(None, description="wall-clock start of the video, if the analysis lacks it")
    analysis: Analysis


class ImportResult(BaseModel):
    imported: int
    event_ids: list[int]


allow_body("POST", "/api/events/import", 16 * MIB)  # a long analysis: up to 10,000 events


@router.post("/events/import", response_model=ImportResult, status_code=201)
def import_events(body: ImportRequest, request: Request, user: ExportUser, db: SessionDep,
                  scope: ScopeDep) -> ImportResult:
    """Add the events of a `vms analyze` result (handed-in footage) to the index."""
    if db.get(Camera, body.camera_id) is None or not sees_camera(scope, body.camera_id):
        raise ApiError(404, CAMERA_NOT_FOUND, camera_id=body.camera_id)
    try:
        rows = import_analysis(db, body.camera_id, body.analysis, body.started_at)
    except ImportError_ as error:
        raise ApiError(422, error.code, str(error)) from None
    audit(db, user.username, "events_import", target=body.camera_id, client_ip=client_ip(request),
          file=body.analysis.file, events=len(rows))
    db.commit()
    return ImportResult(imported=len(rows), event_ids=[row.id for row in rows])
