"""Reports for the periodic reviews provinces require: JSON for the page, CSV for Excel."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from vms.api.deps import ReportsUser, ScopeDep, SessionDep, client_ip
from vms.api.ranges import check_range
from vms.alarms.reviews import classify_unseen, outcomes
from vms.audit import audit
from vms.reports import summary, summary_csv

router = APIRouter(prefix="/api/reports", tags=["reports"])
MAX_PERIOD = timedelta(days=366)


class Period(BaseModel):
    start: datetime
    end: datetime


class CameraSummary(BaseModel):
    camera_id: str
    name: str
    location: str
    uptime_ratio: float
    offline_seconds: float
    recorded_bytes: int
    events_by_type: dict[str, int]
    imported_by_type: dict[str, int]


class Totals(BaseModel):
    cameras: int
    online_now: int
    events_by_type: dict[str, int]  # the site's own detections
    imported_by_type: dict[str, int] = {}  # events imported from handed-in footage: claims, counted apart


class AlarmOutcome(BaseModel):
    """Alarms of one camera and rule in the period by how their review ended (the commune review's
    false-alarm rate: false alarms over closed alarms)."""

    camera_id: str | None
    type: str
    rule: str
    total: int
    new: int
    acknowledged: int
    false_alarm: int
    handled: int
    false_alarm_rate: float | None


class Summary(BaseModel):
    period: Period
    cameras: list[CameraSummary]
    totals: Totals
    alarms: list[AlarmOutcome] = []


def _audited_summary(request: Request, user: ReportsUser, db: SessionDep, scope: ScopeDep, start: datetime,
                     end: datetime, fmt: str) -> tuple[list, int]:
    """The period's per-camera reports and cameras online now; the viewing is audit-logged."""
    check_range(start, end, MAX_PERIOD, "report")
    classify_unseen(db, request.app.state.context.config.alarms, ZoneInfo(request.app.state.context.config.timezone))
    reports, online = summary(db, start, end, scope)
    audit(db, user.username, "report_view", client_ip=client_ip(request), start=start.isoformat(),
          end=end.isoformat(), format=fmt)
    db.commit()
    return reports, online


@router.get("/summary", response_model=Summary)
def report_summary(
    request: Request,
    user: ReportsUser,
    db: SessionDep,
    scope: ScopeDep,
    start: datetime = Query(description="ISO 8601 with time zone"),
    end: datetime = Query(description="ISO 8601 with time zone"),
) -> Summary:
    reports, online = _audited_summary(request, user, db, scope, start, end, "json")
    alarms = [AlarmOutcome(**asdict(row), false_alarm_rate=row.false_alarm_rate)
              for row in outcomes(db, start, end, scope)]
    totals: dict[str, int] = {}
    imported: dict[str, int] = {}
    for report in reports:
        for kind, count in report.events_by_type.items():
            totals[kind] = totals.get(kind, 0) + count
        for kind, count in report.imported_by_type.items():
            imported[kind] = imported.get(kind, 0) + count
    return Summary(
        period=Period(start=start, end=end),
        cameras=[CameraSummary(**asdict(r)) for r in reports],
        totals=Totals(cameras=len(reports), online_now=online, events_by_type=dict(sorted(totals.items())),
                      imported_by_type=dict(sorted(imported.items()))),
        alarms=alarms,
    )


@router.get("/summary.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def report_summary_csv(
    request: Request,
    user: ReportsUser,
    db: SessionDep,
    scope: ScopeDep,
    start: datetime = Query(description="ISO 8601 with time zone"),
    end: datetime = Query(description="ISO 8601 with time zone"),
) -> Response:
    reports, _ = _audited_summary(request, user, db, scope, start, end, "csv")
    return Response(
        summary_csv(reports, start, end, outcomes(db, start, end, scope)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="report.csv"'},
    )
