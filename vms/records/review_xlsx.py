"""The review report as a spreadsheet (openpyxl): a summary sheet with sections I-VI, one row per camera.

Formula-safe by construction: every text cell is written as a string cell after `safe_cell`, so a
camera name like "=HYPERLINK(...)" stays text; numbers stay numbers with a number format.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from vms.records.labels import labels
from vms.records.review import ReviewReport
from vms.records.review_tables import Percent, Section, camera_rows, local_range, review_sections
from vms.spreadsheet import safe_cell

BOLD = Font(bold=True)
HEADING_FILL = PatternFill("solid", fgColor="E6E6E6")


def write_cell(sheet: Worksheet, row: int, column: int, value: object) -> None:
    """One cell: numbers as numbers, ratios as percentages, text always as (neutralised) text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Percent):
        cell.value = value.value
        cell.number_format = "0.0%"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        cell.number_format = "#,##0" if isinstance(value, int) else "0.00"
    elif value is None:
        cell.value = None
    else:
        cell.value = safe_cell(str(value))
        cell.data_type = "s"  # never a formula, whatever the text looks like


def _section(sheet: Worksheet, row: int, section: Section) -> int:
    sheet.cell(row=row, column=1, value=safe_cell(section.title)).font = BOLD
    row += 1
    if section.rows:
        for column, header in enumerate(section.headers, start=1):
            write_cell(sheet, row, column, header)
            cell = sheet.cell(row=row, column=column)
            cell.font, cell.fill = BOLD, HEADING_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for values in section.rows:
            row += 1
            for column, value in enumerate(values, start=1):
                write_cell(sheet, row, column, value)
        row += 1
    if section.note:
        write_cell(sheet, row, 1, section.note)
        row += 1
    return row + 1


def _summary(sheet: Worksheet, report: ReviewReport, words: dict[str, str], tz: ZoneInfo) -> None:
    lines = [report.superior_unit.upper(), report.site_name.upper(), words["nation"], words["motto"], "",
             words["title"], words[f"subtitle_{report.kind}"],
             words["period"].format(**dict(zip(("start", "end"), local_range(report.start, report.end, tz))))]
    for row, text in enumerate(lines, start=1):
        write_cell(sheet, row, 1, text)
        sheet.cell(row=row, column=1).font = BOLD
    row = len(lines) + 2
    for section in review_sections(report, words, tz):
        row = _section(sheet, row, section)
    if report.key_fingerprint:
        write_cell(sheet, row, 1, words["key"].format(fp=report.key_fingerprint))
    sheet.column_dimensions["A"].width = 34
    for column in range(2, 30):
        sheet.column_dimensions[get_column_letter(column)].width = 13


def review_xlsx(report: ReviewReport, lang: str = "vi") -> bytes:
    words = labels(lang)
    tz = ZoneInfo(report.timezone)
    book = Workbook()
    summary = book.active
    summary.title = words["sheet_summary"]
    _summary(summary, report, words, tz)
    cameras = book.create_sheet(words["sheet_cameras"])
    _section(cameras, 1, camera_rows(report, words))
    cameras.freeze_panes = "C3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
