"""The alarm console: events pushed to open pages (SSE), the queue of unhandled alarms, reviews.

`GET /api/events/stream` is a Server-Sent Events stream fed by the process's one EventWatcher
(vms/api/push.py). Its route is async and checks the login in a short database session of its
own before streaming, so an open page holds neither a session nor a worker thread. A stream lasts
at most STREAM_MAX_S (and never beyond the login session): the browser reconnects by itself with
`Last-Event-ID`, which re-checks the login and misses nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from vms.access import camera_scope, can, sees_camera
from vms.alarms.reviews import OPEN_STATES, ReviewError, classify_unseen, open_counts, review
from vms.api.deps import (CAPABILITY_REQUIRED, LOGIN_REQUIRED, ContextDep, EventsUser, RowId, ScopeDep,
                          SessionDep, client_ip, require, request_token)
from vms.api.errors import ApiError, register
from vms.api.push import EventWatcher, Message, scoped_counts
from vms.api.routes.events import EVENT_NOT_FOUND, events_out
from vms.api.schemas import EventOut
from vms.audit import audit
from vms.auth import login_session, user_for_token
from vms.db.models import Event, User

router = APIRouter(prefix="/api", tags=["alarms"])
AlarmsUser = Annotated[User, Depends(require("alarms"))]
STREAM_MAX_S = 600.0
KEEPALIVE_S = 15.0
QUEUE_LIMIT = 200
for _code, _english in {
    "alarm.not_an_alarm": "this event is not an alarm to review",
    "alarm.bad_state": "unknown review state",
    "alarm.already_closed": "this alarm is closed already",
    "alarm.note_required": "say what was done (a note) to close an alarm",
    "alarm.already_acknowledged": "this alarm is acknowledged already",
}.items():
    register(_code, _english)
PUSH_UNAVAILABLE = register("alarm.push_unavailable", "live event push is not running on this server")


class PolicyOut(BaseModel):
    level: str
    hours: str | None
    otherwise: str
    sound: bool
    repeat_s: float


class Counts(BaseModel):
    new: int
    acknowledged: int
    alarm_new: int = Field(description="new alarms at alarm level (banner and sound)")
    by_camera: dict[str, dict[str, int]]


class AlarmQueue(BaseModel):
    items: list[EventOut]
    counts: Counts


class ReviewRequest(BaseModel):
    state: Literal["acknowledged", "false_alarm", "handled"]
    note: str = Field("", max_length=2000, description="what was seen or done; required to close")


def watcher_of(request: Request) -> EventWatcher | None:
    return getattr(request.app.state, "watcher", None)


@router.get("/alarms/policy", response_model=dict[str, PolicyOut])
def alarm_policy(user: EventsUser, ctx: ContextDep) -> dict[str, PolicyOut]:
    """Which event types raise a banner and sound (alarm), wait in the queue (notify) or neither (log)."""
    return {kind: PolicyOut(**rule.model_dump()) for kind, rule in ctx.config.alarms.effective().items()}


@router.get("/alarms", response_model=AlarmQueue)
def alarm_queue(user: EventsUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep,
                limit: int = Query(QUEUE_LIMIT, ge=1, le=500)) -> AlarmQueue:
    """Unhandled alarms (new or acknowledged), newest first, with counts per camera."""
    classify_unseen(db, ctx.config.alarms, ZoneInfo(ctx.config.timezone))
    db.commit()
    query = select(Event).where(Event.review_state.in_(OPEN_STATES))
    if scope is not None:
        query = query.where(Event.camera_id.in_(sorted(scope)))
    rows = list(db.scalars(query.order_by(Event.start.desc(), Event.id.desc()).limit(limit)))
    return AlarmQueue(items=events_out(db, rows), counts=Counts(**scoped_counts(open_counts(db), scope)))


@router.post("/events/{event_id}/review", response_model=EventOut)
def review_event(event_id: RowId, body: ReviewRequest, request: Request, user: AlarmsUser, db: SessionDep,
                 scope: ScopeDep, ctx: ContextDep) -> EventOut:
    """Acknowledge an alarm, or close it as a false alarm or as handled (with a note). Audited."""
    classify_unseen(db, ctx.config.alarms, ZoneInfo(ctx.config.timezone))
    event = db.get(Event, event_id)
    if event is None or not sees_camera(scope, event.camera_id):
        raise ApiError(404, EVENT_NOT_FOUND, event_id=event_id)
    before = event.review_state
    try:
        review(db, event, body.state, body.note, user.username)
    except ReviewError as error:
        raise ApiError(409, error.code, str(error), state=before) from None
    audit(db, user.username, "event_review", target=str(event_id), client_ip=client_ip(request),
          type=event.type, camera=event.camera_id, before=before, state=body.state, note=body.note)
    db.commit()
    watcher = watcher_of(request)
    if watcher is not None:
        watcher.changed(event_id)
    return events_out(db, [event])[0]


@dataclass(frozen=True)
class StreamViewer:
    """What a stream needs to know about its user, read once: no ORM object outlives the check."""

    scope: frozenset[str] | None
    session_ends: datetime


def _stream_viewer(request: Request) -> StreamViewer:
    """The login check of a stream, in its own short session (runs in the threadpool)."""
    token = request_token(request)
    with request.app.state.context.session_factory() as db:
        user = user_for_token(db, token) if token else None
        if user is None:
            raise ApiError(401, LOGIN_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
        if not can(user, "events"):
            raise ApiError(403, CAPABILITY_REQUIRED, capability="events")
        login = login_session(db, token or "")
        ends = login.expires_at if login is not None else datetime.now(timezone.utc)
        return StreamViewer(camera_scope(db, user), ends)


def _sse(message: Message, scope: frozenset[str] | None) -> str:
    data = {"event": message.event, "counts": scoped_counts(message.counts, scope)}
    return f"id: {message.seq}\nevent: event\ndata: {json.dumps(data, default=str)}\n\n"


@router.get("/events/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}, 503: {}})
async def event_stream(request: Request,
                       last_event_id: int | None = Query(None, ge=0, alias="last_event_id")) -> StreamingResponse:
    """New events and review changes as Server-Sent Events (`event: event`, data `{event, counts}`)."""
    viewer = await run_in_threadpool(_stream_viewer, request)
    watcher = watcher_of(request)
    if watcher is None:
        raise ApiError(503, PUSH_UNAVAILABLE)
    header = request.headers.get("last-event-id", "")
    last = int(header) if header.isdigit() else last_event_id
    subscriber, complete = watcher.subscribe(viewer.scope, last)
    deadline = time.monotonic() + min(STREAM_MAX_S, (viewer.session_ends - datetime.now(timezone.utc)).total_seconds())

    async def frames() -> AsyncIterator[str]:
        try:
            hello = {"counts": scoped_counts(watcher.counts, viewer.scope), "seq": watcher.seq, "resync": not complete}
            yield f"retry: 2000\nevent: hello\ndata: {json.dumps(hello)}\n\n"
            while time.monotonic() < deadline:
                try:
                    message = await asyncio.wait_for(subscriber.queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if message is None:  # dropped (too far behind) or the server is stopping
                    return
                yield _sse(message, viewer.scope)
        finally:
            watcher.unsubscribe(subscriber)

    return StreamingResponse(frames(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
