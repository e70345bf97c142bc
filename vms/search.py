"""Event search with keyset pagination, and the multi-camera timeline.

Results are newest first, ordered by (start, id) descending. The cursor is the (start, id) of the
last row returned, base64-encoded: the next page continues strictly below it, so a page costs the
same however deep it is and new events arriving meanwhile never shift pages. Attribute filters
(class, colour, direction) are EXISTS probes into event_objects through its (event_id, ...)
covering index, so each query walks one events index newest first and stops at the page size.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Row, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from vms.db.models import Event, EventObject, Segment
from vms.event_import import is_imported

COVERAGE_GAP = timedelta(seconds=2)
TIMELINE_EVENTS_CAP = 2000


class CursorError(ValueError):
    """The pagination cursor is not one this API produced."""


@dataclass(frozen=True)
class EventFilter:
    """Search criteria. Empty tuples and None mean "any"; `cameras` None means every camera."""

    start: datetime | None = None
    end: datetime | None = None
    cameras: frozenset[str] | None = None
    types: tuple[str, ...] = ()
    object_classes: tuple[str, ...] = ()
    zone: str | None = None
    colour: str | None = None
    direction: str | None = None
    review_states: tuple[str, ...] = ()  # alarm review: new | acknowledged | false_alarm | handled
    origin: str | None = None  # "site" (the site's own detections), "imported", None: both
    site_wide: bool = True  # include events without a camera (unrestricted users only)


def encode_cursor(start: datetime, event_id: int) -> str:
    raw = f"{start.astimezone(timezone.utc).isoformat()}|{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, event_id = raw.split("|")
        start = datetime.fromisoformat(stamp)
        if start.tzinfo is None or not 0 <= int(event_id) < 2**63:
            raise ValueError("naive time or id out of range")
        return start, int(event_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise CursorError("invalid cursor") from None


def event_query(criteria: EventFilter) -> Select[tuple[Event]]:
    """The filtered events query, not yet ordered or paged."""
    query = select(Event)
    if criteria.start is not None:
        query = query.where(Event.start >= criteria.start)
    if criteria.end is not None:
        query = query.where(Event.start < criteria.end)
    if criteria.cameras is not None:
        query = query.where(Event.camera_id.in_(sorted(criteria.cameras)))
    elif not criteria.site_wide:
        query = query.where(Event.camera_id.is_not(None))
    if criteria.types:
        query = query.where(Event.type.in_(criteria.types))
    if criteria.zone:
        query = query.where(Event.zone == criteria.zone)
    if criteria.review_states:
        query = query.where(Event.review_state.in_(criteria.review_states))
    if criteria.origin == "imported":
        query = query.where(is_imported())
    elif criteria.origin == "site":
        query = query.where(~is_imported())
    object_conditions = []
    if criteria.object_classes:
        object_conditions.append(EventObject.class_name.in_(criteria.object_classes))
    if criteria.colour:
        object_conditions.append(EventObject.colour == criteria.colour)
    if criteria.direction:
        object_conditions.append(EventObject.direction == criteria.direction)
    if object_conditions:
        # One object must match all attribute filters together (a red motorbike, not a red car
        # next to a blue motorbike).
        query = query.where(exists().where(EventObject.event_id == Event.id, *object_conditions))
    return query


def search_events(
    session: Session, criteria: EventFilter, limit: int, cursor: str | None = None
) -> tuple[list[Event], str | None]:
    """One page of events newest first, and the cursor of the next page (None at the end)."""
    query = event_query(criteria)
    if cursor:
        start, event_id = decode_cursor(cursor)
        query = query.where(or_(Event.start < start, and_(Event.start == start, Event.id < event_id)))
    rows = list(session.scalars(query.order_by(Event.start.desc(), Event.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].start, rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def objects_of(session: Session, event_ids: list[int]) -> dict[int, list[EventObject]]:
    found: dict[int, list[EventObject]] = {event_id: [] for event_id in event_ids}
    if event_ids:
        query = select(EventObject).where(EventObject.event_id.in_(event_ids)).order_by(EventObject.id)
        for row in session.scalars(query):
            found[row.event_id].append(row)
    return found


def merge_coverage(
    spans: list[tuple[datetime, datetime]], gap: timedelta = COVERAGE_GAP
) -> list[tuple[datetime, datetime]]:
    """Merge sorted (start, end) spans; a hole longer than `gap` starts a new span."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def camera_coverage(
    session: Session, camera_id: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Recorded spans of a camera clipped to [start, end)."""
    query = (
        select(Segment.start, Segment.end)
        .where(Segment.camera_id == camera_id, Segment.start < end, Segment.end > start)
        .order_by(Segment.start)
    )
    spans = [(max(s, start), min(e, end)) for s, e in session.execute(query)]
    return merge_coverage(spans)


def camera_events(session: Session, camera_id: str, start: datetime, end: datetime) -> list[Row]:
    """Events of a camera starting in [start, end), newest first, capped for the timeline: only the
    columns the timeline shows (id, type, start, end, severity, detector). Rows, not ORM objects:
    building hundreds of Event instances was two thirds of a timeline request's CPU."""
    query = (
        select(Event.id, Event.type, Event.start, Event.end, Event.severity, Event.detector)
        .where(Event.camera_id == camera_id, Event.start >= start, Event.start < end)
        .order_by(Event.start.desc(), Event.id.desc())
        .limit(TIMELINE_EVENTS_CAP)
    )
    return list(session.execute(query))
