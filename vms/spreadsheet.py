"""Cells that are safe to open in a spreadsheet program (CSV and xlsx files the staff open in Excel).

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel and
LibreOffice as a formula ("CSV injection": `=HYPERLINK(...)` in a user name or a camera location
runs when an officer opens the file). Such a text gets a leading apostrophe, which both programs
show as plain text and never evaluate. Numbers stay numbers: only text is neutralised.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value` unchanged unless it is text a spreadsheet would read as a formula; then "'" + text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: list[object]) -> list[object]:
    """`safe_cell` over a row."""
    return [safe_cell(value) for value in values]
