"""The alarm workflow in the database: classify new events, review them, count them.

An event is classified once (`alarm_level` alarm | notify | log, by the site policy); alarm and
notify events start in review state `new` and wait in the queue of unhandled alarms until someone
closes them. A review step is acknowledged (someone is on it), false_alarm or handled; each is an
`EventReview` row (who, when, note) and an audit entry. Closing needs a note; a closed alarm can be
corrected to the other closed state (with a note) but not reopened, so the record of who dealt
with what stays whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vms.alarms.policy import AlarmsConfig
from vms.db.models import Event, EventReview
from vms.event_import import IMPORTED_PREFIX

OPEN_STATES = ("new", "acknowledged")
CLOSED_STATES = ("false_alarm", "handled")
REVIEW_STATES = ("new", "acknowledged", "false_alarm", "handled")
CLASSIFY_BATCH = 1000
MAX_NOTE = 2000


class ReviewError(ValueError):
    """A review step that is not allowed; `code` is the API error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def classify_unseen(session: Session, alarms: AlarmsConfig, tz: ZoneInfo) -> list[int]:
    """Give every not yet classified event its alarm level and first review state; returns their ids.

    Events are written by camera workers, the storage janitor and start-up repair, in other
    processes; the API classifies them when it first sees them (its watcher, or a queue request).
    """
    rows = session.scalars(select(Event).where(Event.alarm_level.is_(None)).order_by(Event.id)
                           .limit(CLASSIFY_BATCH)).all()
    for row in rows:
        # Events imported from handed-in footage are claims about the past, never live alarms.
        imported = (row.detector or "").startswith(IMPORTED_PREFIX)
        row.alarm_level = "log" if imported else alarms.level(row.type, row.start, tz)
        row.review_state = "new" if row.alarm_level in ("alarm", "notify") else None
    return [row.id for row in rows]


def review(session: Session, event: Event, state: str, note: str, username: str) -> EventReview:
    """Record one review step (see the module docstring); the caller audits and commits."""
    if event.alarm_level not in ("alarm", "notify") or event.review_state is None:
        raise ReviewError("alarm.not_an_alarm", "this event is not an alarm to review")
    if state not in REVIEW_STATES[1:]:
        raise ReviewError("alarm.bad_state", "unknown review state")
    if event.review_state in CLOSED_STATES and state not in CLOSED_STATES:
        raise ReviewError("alarm.already_closed", "this alarm is closed already")
    if state in CLOSED_STATES and not note.strip():
        raise ReviewError("alarm.note_required", "say what was done (a note) to close an alarm")
    if state == event.review_state and state == "acknowledged":
        raise ReviewError("alarm.already_acknowledged", "this alarm is acknowledged already")
    step = EventReview(event_id=event.id, state=state, note=note.strip()[:MAX_NOTE], username=username)
    session.add(step)
    event.review_state = state
    session.flush()
    return step


def reviews_of(session: Session, event_ids: list[int]) -> dict[int, list[EventReview]]:
    found: dict[int, list[EventReview]] = defaultdict(list)
    if event_ids:
        query = select(EventReview).where(EventReview.event_id.in_(event_ids)).order_by(EventReview.id)
        for step in session.scalars(query):
            found[step.event_id].append(step)
    return found


def open_counts(session: Session) -> dict[str | None, dict[str, int]]:
    """Unhandled alarms per camera: {"new", "acknowledged", "alarm_new" (new at alarm level)}."""
    query = (select(Event.camera_id, Event.alarm_level, Event.review_state, func.count())
             .where(Event.review_state.in_(OPEN_STATES))
             .group_by(Event.camera_id, Event.alarm_level, Event.review_state))
    counts: dict[str | None, dict[str, int]] = {}
    for camera_id, level, state, count in session.execute(query):
        per = counts.setdefault(camera_id, {"new": 0, "acknowledged": 0, "alarm_new": 0})
        per[state] += int(count)
        if state == "new" and level == "alarm":
            per["alarm_new"] += int(count)
    return counts


@dataclass(frozen=True)
class OutcomeRow:
    """Alarms of one camera and rule in a period, by where their review ended."""

    camera_id: str | None
    type: str
    rule: str
    total: int
    new: int
    acknowledged: int
    false_alarm: int
    handled: int

    @property
    def false_alarm_rate(self) -> float | None:
        """Share of the closed alarms that were false (None until one is closed)."""
        closed = self.false_alarm + self.handled
        return round(self.false_alarm / closed, 4) if closed else None


def outcomes(session: Session, start: datetime, end: datetime,
             cameras: frozenset[str] | None) -> list[OutcomeRow]:
    """Alarm and notify events started in [start, end), per camera, type and rule, by review state."""
    query = (select(Event.camera_id, Event.type, Event.zone, Event.details, Event.review_state)
             .where(Event.start >= start, Event.start < end, Event.alarm_level.in_(("alarm", "notify"))))
    if cameras is not None:
        query = query.where(Event.camera_id.in_(sorted(cameras)))
    tally: dict[tuple[str | None, str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(REVIEW_STATES, 0))
    for camera_id, kind, zone, details, state in session.execute(query):
        rule = str((details or {}).get("rule") or zone or kind)
        tally[(camera_id, kind, rule)][state or "new"] += 1
    return [OutcomeRow(camera_id, kind, rule, sum(c.values()), c["new"], c["acknowledged"], c["false_alarm"],
                       c["handled"])
            for (camera_id, kind, rule), c in sorted(tally.items(), key=lambda item: (str(item[0][0]), item[0][1:]))]
