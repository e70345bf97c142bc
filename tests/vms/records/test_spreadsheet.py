"""Spreadsheet cells never carry a formula from user-supplied text."""

from __future__ import annotations

import pytest

from vms.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Cổng chợ", "Cổng chợ"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_safe_row_keeps_numbers() -> None:
    assert safe_row(["=1", 2, "x"]) == ["'=1", 2, "x"]
