"""Periodic review reports: per camera uptime, offline time, recorded bytes and events by type.

Uptime is the share of the period covered by recordings, counted from when the camera was added
and up to now. A camera's segments never overlap (one recorder per camera), so coverage is a
plain sum of durations computed in SQL; only the two segments cut by the period's ends are
clipped in Python. Events imported from a `vms analyze` result (handed-in footage) are counted
apart from the site's own detections (`imported_by_type`): they are claims, not measurements.
Every text cell of the CSV goes through `safe_cell` (no formula injection into Excel).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import ColumnElement, and_, extract, func, or_, select
from sqlalchemy.orm import Session

from vms.alarms.reviews import OutcomeRow
from vms.db.models import Camera, CameraStatus, Event, Segment
from vms.event_import import is_imported
from vms.spreadsheet import safe_row


@dataclass
class CameraReport:
    camera_id: str
    name: str
    location: str
    uptime_ratio: float
    offline_seconds: float
    recorded_bytes: int
    events_by_type: dict[str, int] = field(default_factory=dict)
    imported_by_type: dict[str, int] = field(default_factory=dict)


def _duration_seconds(session: Session) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(Segment.end) - func.julianday(Segment.start)) * 86400.0
    return extract("epoch", Segment.end - Segment.start)


def _covered(session: Session, camera_id: str, start: datetime, end: datetime) -> tuple[float, int]:
    """Recorded seconds within [start, end) and bytes of the segments starting in it."""
    inside = and_(Segment.camera_id == camera_id, Segment.start >= start, Segment.end <= end)
    seconds, _ = session.execute(
        select(func.coalesce(func.sum(_duration_seconds(session)), 0.0), func.count()).where(inside)
    ).one()
    edges = select(Segment.start, Segment.end).where(
        Segment.camera_id == camera_id,
        Segment.start < end,
        Segment.end > start,
        or_(Segment.start < start, Segment.end > end),
    )
    for seg_start, seg_end in session.execute(edges):
        seconds += (min(seg_end, end) - max(seg_start, start)).total_seconds()
    recorded = session.scalar(
        select(func.coalesce(func.sum(Segment.bytes), 0)).where(
            Segment.camera_id == camera_id, Segment.start >= start, Segment.start < end
        )
    )
    return float(seconds), int(recorded or 0)


def _events_by_type(session: Session, start: datetime, end: datetime,
                    imported: bool = False) -> dict[str | None, dict[str, int]]:
    query = (
        select(Event.camera_id, Event.type, func.count())
        .where(Event.start >= start, Event.start < end, is_imported() if imported else ~is_imported())
        .group_by(Event.camera_id, Event.type)
    )
    found: dict[str | None, dict[str, int]] = {}
    for camera_id, kind, count in session.execute(query):
        found.setdefault(camera_id, {})[kind] = int(count)
    return found


def summary(
    session: Session,
    start: datetime,
    end: datetime,
    cameras: frozenset[str] | None,
    now: datetime | None = None,
) -> tuple[list[CameraReport], int]:
    """Per camera reports for [start, end) and how many of those cameras are online now."""
    now = now or datetime.now(timezone.utc)
    query = select(Camera, CameraStatus).outerjoin(CameraStatus).order_by(Camera.id)
    if cameras is not None:
        query = query.where(Camera.id.in_(sorted(cameras)))
    events = _events_by_type(session, start, end)
    imported = _events_by_type(session, start, end, imported=True)
    reports, online = [], 0
    for camera, status in session.execute(query).all():
        online += int(bool(status and status.online))
        period_start, period_end = max(start, camera.created_at), min(end, now)
        span = max(0.0, (period_end - period_start).total_seconds())
        covered, recorded = _covered(session, camera.id, period_start, period_end) if span else (0.0, 0)
        covered = min(covered, span)
        reports.append(
            CameraReport(
                camera.id,
                camera.name,
                camera.location,
                round(covered / span, 4) if span else 0.0,
                round(span - covered, 1),
                recorded,
                dict(sorted(events.get(camera.id, {}).items())),
                dict(sorted(imported.get(camera.id, {}).items())),
            )
        )
    return reports, online


def summary_csv(reports: list[CameraReport], start: datetime, end: datetime,
                alarms: list[OutcomeRow] | None = None) -> str:
    """CSV with a UTF-8 BOM so Excel shows Vietnamese names; one column per event type, then a
    second table of alarms by outcome per camera and rule (false-alarm rate of the closed ones)."""
    types = sorted({kind for report in reports for kind in report.events_by_type})
    imported = sorted({kind for report in reports for kind in report.imported_by_type})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "period_start_utc",
            start.astimezone(timezone.utc).isoformat(),
            "period_end_utc",
            end.astimezone(timezone.utc).isoformat(),
        ]
    )
    writer.writerow(
        [
            "camera_id",
            "name",
            "location",
            "uptime_percent",
            "offline_hours",
            "recorded_gb",
            *[f"events_{kind}" for kind in types],
            *[f"imported_{kind}" for kind in imported],
        ]
    )
    for r in reports:
        writer.writerow(safe_row(
            [
                r.camera_id,
                r.name,
                r.location,
                f"{r.uptime_ratio * 100:.2f}",
                f"{r.offline_seconds / 3600:.2f}",
                f"{r.recorded_bytes / 1e9:.3f}",
                *[r.events_by_type.get(kind, 0) for kind in types],
                *[r.imported_by_type.get(kind, 0) for kind in imported],
            ]
        ))
    if alarms:
        writer.writerow([])
        writer.writerow(["camera_id", "alarm_type", "rule", "alarms", "new", "acknowledged", "false_alarm",
                         "handled", "false_alarm_percent"])
        for a in alarms:
            rate = "" if a.false_alarm_rate is None else f"{a.false_alarm_rate * 100:.1f}"
            writer.writerow(safe_row([a.camera_id or "", a.type, a.rule, a.total, a.new, a.acknowledged,
                                      a.false_alarm, a.handled, rate]))
    return "\ufeff" + buffer.getvalue()
