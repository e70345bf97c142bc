"""The programme review: effectiveness per camera, and the periodic report as JSON, PDF and xlsx.

Same figures in every format (one `build_review`); every production of the report is audit-logged
with its period and format. The report carries the evidence key's fingerprint, so the paper copy
is one of the out-of-band places a court can check an export's key against.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from vms.api.deps import ContextDep, ReportsUser, ScopeDep, SessionDep, client_ip
from vms.api.ranges import check_range
from vms.audit import audit
from vms.evidence import site_key_fingerprint
from vms.records.effectiveness import CameraEffect
from vms.records.review import GroupFigures, ReviewReport, build_review
from vms.records.review_pdf import review_pdf
from vms.records.review_xlsx import review_xlsx

router = APIRouter(prefix="/api/reports", tags=["reports"])
MAX_PERIOD = timedelta(days=366 * 5)  # a term-long review (tổng kết nhiệm kỳ) is the longest
Lang = Literal["vi", "en"]


class Figures(BaseModel):
    key: str
    cameras: int
    cameras_by_status: dict[str, int]
    connected: int
    uptime_ratio: float | None
    incidents: int
    incidents_by_type: dict[str, int]
    imported_events: int
    alarms_reviewed: int
    false_alarms: int
    false_alarm_rate: float | None
    exports: int
    cases: int
    case_numbers: list[str]
    tickets_fixed: int
    maintenance_cost_vnd: int


class CameraFigures(BaseModel):
    camera_id: str
    name: str
    hamlet: str
    funder_kind: str
    status: str
    live_status: str
    uptime_ratio: float | None
    incidents: int
    incidents_by_type: dict[str, int]
    imported_events: int
    alarms_by_outcome: dict[str, int]
    false_alarm_rate: float | None
    exports: int
    case_numbers: list[str]
    tickets_opened: int
    tickets_fixed: int
    maintenance_cost_vnd: int
    suggestion: str | None
    reasons: list[str]


class PeriodFigures(BaseModel):
    start: datetime
    end: datetime
    figures: Figures
    cumulative_incidents: int
    cumulative_cases: int
    cumulative_cost_vnd: int


class ReviewOut(BaseModel):
    start: datetime
    end: datetime
    kind: str
    site_name: str
    commune: str
    superior_unit: str
    signer_title: str
    document_code: str
    generated_at: datetime
    generated_by: str
    key_fingerprint: str
    incident_types: list[str]
    totals: Figures
    by_hamlet: list[Figures]
    by_funder: list[Figures]
    breakdown: list[PeriodFigures]
    cameras: list[CameraFigures]


def _figures(f: GroupFigures) -> Figures:
    return Figures(key=f.key, cameras=f.cameras, cameras_by_status=f.cameras_by_status, connected=f.connected,
                   uptime_ratio=f.uptime_ratio, incidents=f.incidents, incidents_by_type=f.incidents_by_type,
                   imported_events=f.imported_events, alarms_reviewed=f.alarms_reviewed, false_alarms=f.false_alarms,
                   false_alarm_rate=f.false_alarm_rate, exports=f.exports, cases=f.cases,
                   case_numbers=f.case_numbers, tickets_fixed=f.tickets_fixed,
                   maintenance_cost_vnd=f.maintenance_cost_vnd)


def _camera(e: CameraEffect) -> CameraFigures:
    r = e.record
    return CameraFigures(camera_id=r.camera_id, name=r.display_name, hamlet=r.hamlet, funder_kind=r.funder_kind,
                         status=r.status, live_status=r.live_status, uptime_ratio=e.uptime_ratio,
                         incidents=e.incidents, incidents_by_type=e.incidents_by_type,
                         imported_events=e.imported_events, alarms_by_outcome=e.alarms_by_outcome,
                         false_alarm_rate=e.false_alarm_rate, exports=e.exports, case_numbers=e.case_numbers,
                         tickets_opened=e.tickets_opened, tickets_fixed=e.tickets_fixed,
                         maintenance_cost_vnd=e.maintenance_cost_vnd, suggestion=e.suggestion, reasons=e.reasons)


def _review(request: Request, user: ReportsUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep,
            start: datetime, end: datetime, fmt: str) -> ReviewReport:
    check_range(start, end, MAX_PERIOD, "review")
    report = build_review(db, ctx.config, start, end, scope, user.username,
                          key_fingerprint=site_key_fingerprint(ctx.paths.signing_key))
    audit(db, user.username, "review_report", client_ip=client_ip(request), start=start.isoformat(),
          end=end.isoformat(), format=fmt)
    db.commit()
    return report


StartQ = Query(description="ISO 8601 with time zone")
EndQ = Query(description="ISO 8601 with time zone (exclusive)")


@router.get("/review", response_model=ReviewOut)
def review(request: Request, user: ReportsUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep,
           start: datetime = StartQ, end: datetime = EndQ) -> ReviewOut:
    """The periodic review report (sơ kết / tổng kết) with per-camera effectiveness."""
    r = _review(request, user, db, scope, ctx, start, end, "json")
    return ReviewOut(
        start=r.start, end=r.end, kind=r.kind, site_name=r.site_name, commune=r.commune,
        superior_unit=r.superior_unit, signer_title=r.signer_title, document_code=r.document_code,
        generated_at=r.generated_at, generated_by=r.generated_by, key_fingerprint=r.key_fingerprint,
        incident_types=r.incident_types, totals=_figures(r.totals), by_hamlet=[_figures(g) for g in r.by_hamlet],
        by_funder=[_figures(g) for g in r.by_funder],
        breakdown=[PeriodFigures(start=p.start, end=p.end, figures=_figures(p.figures),
                                 cumulative_incidents=p.cumulative_incidents, cumulative_cases=p.cumulative_cases,
                                 cumulative_cost_vnd=p.cumulative_cost_vnd) for p in r.breakdown],
        cameras=[_camera(e) for e in r.cameras])


def _file_name(start: datetime, kind: str, ext: str) -> str:
    return f'attachment; filename="bao-cao-camera-{kind}-{start.date().isoformat()}.{ext}"'


@router.get("/review.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def review_as_pdf(request: Request, user: ReportsUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep,
                  start: datetime = StartQ, end: datetime = EndQ, lang: Lang = "vi") -> Response:
    report = _review(request, user, db, scope, ctx, start, end, "pdf")
    return Response(review_pdf(report, lang), media_type="application/pdf",
                    headers={"Content-Disposition": _file_name(start, report.kind, "pdf")})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/review.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def review_as_xlsx(request: Request, user: ReportsUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep,
                   start: datetime = StartQ, end: datetime = EndQ, lang: Lang = "vi") -> Response:
    report = _review(request, user, db, scope, ctx, start, end, "xlsx")
    return Response(review_xlsx(report, lang), media_type=XLSX,
                    headers={"Content-Disposition": _file_name(start, report.kind, "xlsx")})
