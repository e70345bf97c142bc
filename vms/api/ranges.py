"""Time-range checks shared by every route that takes `start` and `end`."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import HTTPException


def check_range(start: datetime | None, end: datetime | None, max_span: timedelta | None = None,
                what: str = "request") -> None:
    """422 unless both times carry a zone, end is after start, and the span is within `max_span`."""
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise HTTPException(422, "times need a time zone, e.g. 2026-11-23T14:00:00+07:00")
    if start is None or end is None:
        return
    if end <= start:
        raise HTTPException(422, "end must be after start")
    if max_span is not None and end - start > max_span:
        raise HTTPException(422, f"at most {_describe(max_span)} per {what}")


def _describe(span: timedelta) -> str:
    if span.days >= 1:
        return f"{span.days} days"
    hours = span.total_seconds() / 3600
    return f"{hours:g} hours"
