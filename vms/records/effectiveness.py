"""What each camera achieved in a period: the figures behind "end the models that bring nothing".

Per programme camera: uptime (recorded share of the period, connected cameras only), incidents
detected by type (rule events of warning/alarm severity; imported analyses counted apart, never as
detections), alarms by review outcome (from the alarm workflow), exports made for cases (and their
case numbers), maintenance opened/fixed and its cost. Cameras offline for most of the period,
broken, or that produced nothing are listed as candidates to repair or retire, each with its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vms.db.models import Event, Export, MaintenanceTicket
from vms.records.camera_records import list_records
from vms.records.schemas import RecordOut
from vms.reports import summary

HEALTH_TYPES = ("camera_offline", "storage_alarm", "index_repair")
INCIDENT_SEVERITIES = ("warning", "alarm")
REVIEW_STATES = ("new", "acknowledged", "false_alarm", "handled")
OFFLINE_MOST = 0.5  # uptime below this: offline for most of the period
LONG_BROKEN_DAYS = 90  # broken longer than this: suggest ending it


@dataclass
class CameraEffect:
    """One camera's figures for one period."""

    record: RecordOut
    uptime_ratio: float | None = None  # None: not connected to this server
    offline_seconds: float = 0.0
    incidents_by_type: dict[str, int] = field(default_factory=dict)
    imported_events: int = 0
    alarms_by_outcome: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REVIEW_STATES, 0))
    exports: int = 0
    case_numbers: list[str] = field(default_factory=list)
    tickets_opened: int = 0
    tickets_fixed: int = 0
    maintenance_cost_vnd: int = 0
    suggestion: str | None = None  # "repair" | "retire"
    reasons: list[str] = field(default_factory=list)

    @property
    def incidents(self) -> int:
        return sum(self.incidents_by_type.values())

    @property
    def false_alarm_rate(self) -> float | None:
        reviewed = sum(self.alarms_by_outcome[s] for s in ("acknowledged", "false_alarm", "handled"))
        return self.alarms_by_outcome["false_alarm"] / reviewed if reviewed else None


def _is_imported(details: dict | None) -> bool:
    return bool((details or {}).get("imported_from")) or bool((details or {}).get("imported"))


def _incidents(session: Session, start: datetime, end: datetime, effects: dict[str, CameraEffect]) -> None:
    """Incidents by type; alarms by review outcome: the events the alarm workflow raised (alarm or
    notify level, vms.alarms), not log-level ones such as line-crossing counts or old history."""
    query = select(Event.camera_id, Event.type, Event.details, Event.alarm_level, Event.review_state).where(
        Event.start >= start, Event.start < end, Event.camera_id.is_not(None),
        Event.severity.in_(INCIDENT_SEVERITIES), Event.type.not_in(HEALTH_TYPES))
    for camera_id, kind, details, level, state in session.execute(query):
        effect = effects.get(camera_id)
        if effect is None:
            continue
        if _is_imported(details):
            effect.imported_events += 1
            continue
        effect.incidents_by_type[kind] = effect.incidents_by_type.get(kind, 0) + 1
        if level in ("alarm", "notify"):
            effect.alarms_by_outcome[state if state in REVIEW_STATES else "new"] += 1


def _exports(session: Session, start: datetime, end: datetime, effects: dict[str, CameraEffect]) -> None:
    query = select(Export.camera_ids, Export.case_number).where(
        Export.status == "done", Export.created_at >= start, Export.created_at < end)
    for camera_ids, case_number in session.execute(query):
        for camera_id in camera_ids or []:
            effect = effects.get(camera_id)
            if effect is not None:
                effect.exports += 1
                if case_number not in effect.case_numbers:
                    effect.case_numbers.append(case_number)


def _maintenance(session: Session, start: datetime, end: datetime, effects: dict[str, CameraEffect]) -> None:
    opened = select(MaintenanceTicket.camera_id, func.count()).where(
        MaintenanceTicket.opened_at >= start, MaintenanceTicket.opened_at < end).group_by(MaintenanceTicket.camera_id)
    for camera_id, count in session.execute(opened):
        if camera_id in effects:
            effects[camera_id].tickets_opened = int(count)
    fixed = select(MaintenanceTicket.camera_id, func.count(), func.coalesce(func.sum(MaintenanceTicket.cost_vnd), 0)
                   ).where(MaintenanceTicket.status == "fixed", MaintenanceTicket.fixed_at >= start,
                           MaintenanceTicket.fixed_at < end).group_by(MaintenanceTicket.camera_id)
    for camera_id, count, cost in session.execute(fixed):
        if camera_id in effects:
            effects[camera_id].tickets_fixed = int(count)
            effects[camera_id].maintenance_cost_vnd = int(cost)


def _suggest(effect: CameraEffect, today: date) -> None:
    """Repair what is broken or mostly offline; suggest ending what stays broken or brings nothing."""
    record = effect.record
    if record.status in ("planned", "retired"):
        return
    if record.status == "broken":
        effect.reasons.append("broken")
        if record.status_since and (today - record.status_since).days > LONG_BROKEN_DAYS:
            effect.reasons.append("broken_long")
    if effect.uptime_ratio is not None and effect.uptime_ratio < OFFLINE_MOST:
        effect.reasons.append("offline_most")
    if effect.uptime_ratio is not None and effect.incidents == 0 and effect.exports == 0:
        effect.reasons.append("no_output")
    if not effect.reasons:
        return
    repairable = {"broken", "offline_most"} & set(effect.reasons)
    effect.suggestion = "retire" if "broken_long" in effect.reasons or not repairable else "repair"


def camera_effects(session: Session, start: datetime, end: datetime, scope: frozenset[str] | None,
                   now: datetime | None = None) -> list[CameraEffect]:
    """Every programme camera's figures for [start, end), in the programme list's order."""
    now = now or datetime.now(timezone.utc)
    records = list_records(session, scope)
    effects = {r.camera_id: CameraEffect(r) for r in records}
    connected = frozenset(r.camera_id for r in records if r.connected)
    for report in summary(session, start, end, connected, now=now)[0] if connected else []:
        effects[report.camera_id].uptime_ratio = report.uptime_ratio
        effects[report.camera_id].offline_seconds = report.offline_seconds
    _incidents(session, start, end, effects)
    _exports(session, start, end, effects)
    _maintenance(session, start, end, effects)
    today = now.date()
    for effect in effects.values():
        _suggest(effect, today)
    return [effects[r.camera_id] for r in records]


def split_period(start: datetime, end: datetime, tz: tzinfo) -> list[tuple[datetime, datetime]]:
    """Calendar quarters in the site's time zone covering [start, end) — months when the period is
    three months or shorter — each cut to the period."""
    first, last = start.astimezone(tz), end.astimezone(tz)
    step = 1 if (last - first).days <= 92 else 3
    month0 = (first.month - 1) // step * step
    cursor = first.replace(month=month0 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    parts = []
    while cursor < last:
        years, month0 = divmod(cursor.month - 1 + step, 12)
        following = cursor.replace(year=cursor.year + years, month=month0 + 1)
        parts.append((max(cursor, first).astimezone(timezone.utc), min(following, last).astimezone(timezone.utc)))
        cursor = following
    return parts
