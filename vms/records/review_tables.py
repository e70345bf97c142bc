"""The review report as titled tables of typed cells — one layout that the PDF and the spreadsheet share.

Cells are numbers (int, float ratios) or text; a renderer decides how to show them (the PDF writes
"98,5 %" and "1.250.000", the spreadsheet keeps numbers as numbers with a number format).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from vms.records.review import GroupFigures, ReviewReport

Cell = str | int | float | None


@dataclass
class Percent:
    """A ratio to show as a percentage."""

    value: float | None


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[Cell | Percent]] = field(default_factory=list)
    note: str = ""


def local_date(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y")


def local_range(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """First and last day of [start, end) as local dates (the end is exclusive: its previous second)."""
    return local_date(start, tz), local_date(end - timedelta(seconds=1), tz)


def _figures_row(name: str, f: GroupFigures, types: list[str]) -> list[Cell | Percent]:
    return [name, f.cameras, *(f.cameras_by_status[s] for s in ("planned", "active", "broken", "retired")),
            f.connected, Percent(f.uptime_ratio), f.incidents, *(f.incidents_by_type.get(t, 0) for t in types),
            f.cases, f.exports, Percent(f.false_alarm_rate), f.tickets_fixed, f.maintenance_cost_vnd]


def _figures_headers(first: str, types: list[str], words: dict[str, str]) -> list[str]:
    return [first, words["cameras"], words["planned"], words["active"], words["broken"], words["retired"],
            words["connected"], words["uptime"], words["incidents"], *(words.get(t, t) for t in types),
            words["cases"], words["exports"], words["false_rate"], words["tickets_fixed"], words["cost"]]


def _group_section(title: str, first: str, groups: list[GroupFigures], report: ReviewReport,
                   words: dict[str, str], name_of) -> Section:  # type: ignore[no-untyped-def]
    types = report.incident_types
    section = Section(title, _figures_headers(first, types, words))
    section.rows = [_figures_row(name_of(g.key), g, types) for g in groups]
    section.rows.append(_figures_row(words["total"], report.totals, types))
    return section


def review_sections(report: ReviewReport, words: dict[str, str], tz: ZoneInfo) -> list[Section]:
    """Sections I-VI of the report, in order."""
    types = report.incident_types
    overview = Section(words["s1"], _figures_headers(words["group"], types, words),
                       [_figures_row(words["total"], report.totals, types)])
    if report.totals.imported_events:
        overview.note = f"{words['imported']}: {report.totals.imported_events}"
    hamlets = _group_section(words["s2"], words["hamlet"], report.by_hamlet, report, words,
                             lambda key: key or words["no_hamlet"])
    funders = _group_section(words["s3"], words["funder"], report.by_funder, report, words,
                             lambda key: words.get(key, key))
    periods = Section(words["s4"], [words["sub_period"], words["uptime"], words["incidents"], words["cases"],
                                    words["cost"], words["cum_incidents"], words["cum_cases"], words["cum_cost"]])
    for row in report.breakdown:
        label = " - ".join(local_range(row.start, row.end, tz))
        f = row.figures
        periods.rows.append([label, Percent(f.uptime_ratio), f.incidents, f.cases, f.maintenance_cost_vnd,
                             row.cumulative_incidents, row.cumulative_cases, row.cumulative_cost_vnd])
    upkeep = Section(words["s5"], [words["camera"], words["hamlet"], words["tickets_fixed"], words["cost"]])
    upkeep.rows = [[e.record.display_name, e.record.hamlet, e.tickets_fixed, e.maintenance_cost_vnd]
                   for e in report.cameras if e.tickets_fixed or e.maintenance_cost_vnd]
    upkeep.rows.append([words["total"], "", report.totals.tickets_fixed, report.totals.maintenance_cost_vnd])
    candidates = Section(words["s6"], [words["camera"], words["hamlet"], words["uptime"], words["incidents"],
                                       words["reasons"], words["suggestion"]])
    candidates.rows = [[e.record.display_name, e.record.hamlet, Percent(e.uptime_ratio), e.incidents,
                        ", ".join(words.get(r, r) for r in e.reasons), words[e.suggestion or "repair"]]
                       for e in report.candidates]
    if not candidates.rows:
        candidates.note = words["none_listed"]
    return [overview, hamlets, funders, periods, upkeep, candidates]


def camera_rows(report: ReviewReport, words: dict[str, str]) -> Section:
    """Every camera with its figures (the spreadsheet's second sheet)."""
    types = report.incident_types
    section = Section(words["sheet_cameras"], ["ID", words["camera"], words["hamlet"], words["funder"],
                                                "status", words["uptime"], words["incidents"],
                                                *(words.get(t, t) for t in types), words["exports"],
                                                words["cases"], words["false_rate"], words["tickets_fixed"],
                                                words["cost"], words["suggestion"], words["reasons"]])
    for e in report.cameras:
        r = e.record
        section.rows.append([r.camera_id, r.display_name, r.hamlet, words.get(r.funder_kind, r.funder_kind),
                             words.get(r.status, r.status), Percent(e.uptime_ratio), e.incidents,
                             *(e.incidents_by_type.get(t, 0) for t in types), e.exports, ", ".join(e.case_numbers),
                             Percent(e.false_alarm_rate), e.tickets_fixed, e.maintenance_cost_vnd,
                             words[e.suggestion] if e.suggestion else "", ", ".join(words.get(x, x) for x in e.reasons)])
    return section
