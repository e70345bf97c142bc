"""The review report as a PDF in the official Vietnamese administrative layout (fpdf2).

Header: the superior unit and the commune police on the left with the report number, the national
title and motto on the right with place and date; the title; sections I-VI as tables; recipients
and the signature block; the evidence key fingerprint in the footer of the last page. A Unicode
TrueType font is needed for Vietnamese: DejaVu Sans from Debian's fonts-dejavu-core (installed by
`make install`), or any TTF named by VMS_REPORT_FONT.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from vms.records.labels import labels
from vms.records.review import ReviewReport
from vms.records.review_tables import Percent, Section, local_range, review_sections

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts/dejavu"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}


class FontMissing(RuntimeError):
    """No Unicode font for Vietnamese text; the message says what to install."""


def _font_paths() -> dict[str, Path]:
    chosen = os.environ.get("VMS_REPORT_FONT")
    if chosen and Path(chosen).is_file():
        return {style: Path(chosen) for style in FONT_FILES}
    for folder in FONT_DIRS:
        paths = {style: folder / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in paths.values()):
            return paths
    raise FontMissing("no Unicode font for the PDF report: install Debian's fonts-dejavu-core "
                      "(`make install` does) or set VMS_REPORT_FONT to a .ttf file")


def format_cell(value: object, lang: str) -> str:
    """Numbers in the reader's convention: 1.250.000 and 98,5 % in Vietnamese."""
    if isinstance(value, Percent):
        if value.value is None:
            return "—"
        text = f"{value.value * 100:.1f} %"
        return text.replace(".", ",") if lang == "vi" else text
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        text = f"{value:,}"
        return text.replace(",", ".") if lang == "vi" else text
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",") if lang == "vi" else f"{value:.2f}"
    return str(value)


class _ReportPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        for style, path in _font_paths().items():
            self.add_font("vms", style, str(path))
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 12, 15)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("vms", "", 7)
        self.cell(0, 5, f"{self.footer_text}    {self.page_no()}/{{nb}}", align="R")


def _header(pdf: _ReportPdf, report: ReviewReport, words: dict[str, str], tz: ZoneInfo) -> None:
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    today = report.generated_at.astimezone(tz)
    left = [(report.superior_unit.upper(), ""), (report.site_name.upper(), "B"),
            (words["number"].format(code=report.document_code), "")]
    right = [(words["nation"], "B"), (words["motto"], "B"),
             (words["dated"].format(place=report.commune or "......", d=f"{today.day:02d}", m=f"{today.month:02d}",
                                    y=today.year), "I")]
    top = pdf.get_y()
    for column, lines in ((0, left), (1, right)):
        pdf.set_xy(pdf.l_margin + column * half, top)
        for text, style in lines:
            pdf.set_font("vms", style, 10)
            pdf.set_x(pdf.l_margin + column * half)
            pdf.cell(half, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("vms", "B", 14)
    pdf.cell(0, 8, words["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("vms", "B", 11)
    pdf.cell(0, 6, words[f"subtitle_{report.kind}"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("vms", "I", 10)
    first, last = local_range(report.start, report.end, tz)
    pdf.cell(0, 6, words["period"].format(start=first, end=last), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _section(pdf: _ReportPdf, section: Section, lang: str) -> None:
    if pdf.get_y() > pdf.h - 45:  # never a section title alone at the foot of a page
        pdf.add_page()
    pdf.set_font("vms", "B", 10)
    pdf.cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("vms", "", 7 if len(section.headers) > 10 else 8)
    if section.rows:
        first = 2.2 if len(section.headers) > 6 else 2.0
        widths = [first] + [1.0] * (len(section.headers) - 1)
        with pdf.table(col_widths=widths, text_align="CENTER", line_height=4.2,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230))) as table:
            table.row(section.headers)
            for values in section.rows:
                table.row([format_cell(v, lang) for v in values])
    if section.note:
        pdf.set_font("vms", "I", 8)
        pdf.multi_cell(0, 5, section.note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _signatures(pdf: _ReportPdf, report: ReviewReport, words: dict[str, str]) -> None:
    if pdf.get_y() > pdf.h - 55:
        pdf.add_page()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y() + 4
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font("vms", "B", 9)
    pdf.cell(half, 5, words["recipients"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("vms", "", 8)
    for line in (words["recipient_1"], words["recipient_2"]):
        pdf.cell(half, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font("vms", "B", 10)
    pdf.cell(half, 6, report.signer_title.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("vms", "I", 8)
    pdf.cell(half, 5, words["sign_hint"], align="C", new_x="LMARGIN", new_y="NEXT")


def review_pdf(report: ReviewReport, lang: str = "vi") -> bytes:
    """The whole report as PDF bytes."""
    words = labels(lang)
    tz = ZoneInfo(report.timezone)
    footer = words["generated"].format(at=report.generated_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                                       user=report.generated_by)
    if report.key_fingerprint:
        footer += "    " + words["key"].format(fp=report.key_fingerprint)
    pdf = _ReportPdf(footer)
    pdf.add_page()
    _header(pdf, report, words, tz)
    for section in review_sections(report, words, tz):
        _section(pdf, section, lang)
    _signatures(pdf, report, words)
    return bytes(pdf.output())

