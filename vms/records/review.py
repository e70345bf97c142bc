"""The periodic review report (báo cáo sơ kết / tổng kết) of the camera programme.

Built from `camera_effects` for the period, grouped per hamlet and per funding source, with a
breakdown by quarter (or month) and running totals for the yearly review. The same structure
feeds the printable page (JSON to the UI), the PDF and the spreadsheet, so the three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from vms.config import SiteConfig
from vms.records.effectiveness import CameraEffect, camera_effects, split_period
from vms.records.schemas import PARTY_KINDS, STATUSES


@dataclass
class GroupFigures:
    """Figures of a set of cameras (a hamlet, a funding source, or the whole programme)."""

    key: str
    cameras_by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    connected: int = 0
    uptime_ratio: float | None = None  # mean over connected cameras
    incidents_by_type: dict[str, int] = field(default_factory=dict)
    imported_events: int = 0
    alarms_reviewed: int = 0
    false_alarms: int = 0
    exports: int = 0
    case_numbers: list[str] = field(default_factory=list)
    tickets_fixed: int = 0
    maintenance_cost_vnd: int = 0

    @property
    def cameras(self) -> int:
        return sum(self.cameras_by_status.values())

    @property
    def incidents(self) -> int:
        return sum(self.incidents_by_type.values())

    @property
    def cases(self) -> int:
        return len(self.case_numbers)

    @property
    def false_alarm_rate(self) -> float | None:
        return self.false_alarms / self.alarms_reviewed if self.alarms_reviewed else None


def group_figures(key: str, effects: list[CameraEffect]) -> GroupFigures:
    figures = GroupFigures(key)
    uptimes = []
    for effect in effects:
        figures.cameras_by_status[effect.record.status] += 1
        if effect.uptime_ratio is not None:
            figures.connected += 1
            uptimes.append(effect.uptime_ratio)
        for kind, count in effect.incidents_by_type.items():
            figures.incidents_by_type[kind] = figures.incidents_by_type.get(kind, 0) + count
        figures.imported_events += effect.imported_events
        outcomes = effect.alarms_by_outcome
        figures.alarms_reviewed += outcomes["acknowledged"] + outcomes["false_alarm"] + outcomes["handled"]
        figures.false_alarms += outcomes["false_alarm"]
        figures.exports += effect.exports
        figures.case_numbers += [c for c in effect.case_numbers if c not in figures.case_numbers]
        figures.tickets_fixed += effect.tickets_fixed
        figures.maintenance_cost_vnd += effect.maintenance_cost_vnd
    figures.uptime_ratio = round(sum(uptimes) / len(uptimes), 4) if uptimes else None
    figures.incidents_by_type = dict(sorted(figures.incidents_by_type.items()))
    return figures


@dataclass
class PeriodRow:
    """One quarter (or month) of the period, with running totals from the period's start."""

    start: datetime
    end: datetime
    figures: GroupFigures
    cumulative_incidents: int
    cumulative_cases: int
    cumulative_cost_vnd: int


@dataclass
class ReviewReport:
    start: datetime
    end: datetime
    kind: str  # quarter | half_year | year | custom
    site_name: str
    commune: str
    superior_unit: str
    signer_title: str
    document_code: str
    generated_at: datetime
    generated_by: str
    totals: GroupFigures
    by_hamlet: list[GroupFigures]
    by_funder: list[GroupFigures]
    breakdown: list[PeriodRow]
    cameras: list[CameraEffect]
    incident_types: list[str]
    timezone: str = "Asia/Ho_Chi_Minh"
    key_fingerprint: str = ""

    @property
    def candidates(self) -> list[CameraEffect]:
        return [effect for effect in self.cameras if effect.suggestion is not None]


def period_kind(start: datetime, end: datetime) -> str:
    days = (end - start).days
    if 89 <= days <= 92:
        return "quarter"
    if 181 <= days <= 184:
        return "half_year"
    if 365 <= days <= 366:
        return "year"
    return "custom"


def _grouped(effects: list[CameraEffect], key_of, order: list[str] | None = None) -> list[GroupFigures]:  # type: ignore[no-untyped-def]
    groups: dict[str, list[CameraEffect]] = {}
    for effect in effects:
        groups.setdefault(key_of(effect), []).append(effect)
    keys = sorted(groups, key=lambda k: (order.index(k) if order and k in order else len(order or []), k))
    return [group_figures(key, groups[key]) for key in keys]


def _breakdown(session: Session, start: datetime, end: datetime, scope: frozenset[str] | None,
               tz: ZoneInfo, now: datetime) -> list[PeriodRow]:
    rows, incidents, cases, cost = [], 0, set(), 0
    for part_start, part_end in split_period(start, end, tz):
        figures = group_figures("period", camera_effects(session, part_start, part_end, scope, now=now))
        incidents += figures.incidents
        cases |= set(figures.case_numbers)
        cost += figures.maintenance_cost_vnd
        rows.append(PeriodRow(part_start, part_end, figures, incidents, len(cases), cost))
    return rows


def build_review(session: Session, config: SiteConfig, start: datetime, end: datetime,
                 scope: frozenset[str] | None, username: str, now: datetime | None = None,
                 key_fingerprint: str = "") -> ReviewReport:
    """The review report for [start, end) over the cameras `scope` allows (None: all)."""
    now = now or datetime.now(timezone.utc)
    tz = ZoneInfo(config.timezone)
    effects = camera_effects(session, start, end, scope, now=now)
    programme = config.programme
    totals = group_figures("total", effects)
    return ReviewReport(
        start=start, end=end, kind=period_kind(start, end), site_name=config.site_name,
        commune=programme.commune, superior_unit=programme.superior_unit, signer_title=programme.signer_title,
        document_code=programme.document_code, generated_at=now, generated_by=username, totals=totals,
        by_hamlet=_grouped(effects, lambda e: e.record.hamlet),
        by_funder=_grouped(effects, lambda e: e.record.funder_kind, list(PARTY_KINDS)),
        breakdown=_breakdown(session, start, end, scope, tz, now),
        cameras=effects, incident_types=sorted(totals.incidents_by_type), timezone=config.timezone,
        key_fingerprint=key_fingerprint,
    )
