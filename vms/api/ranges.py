"""Time-range checks shared by every route that takes `start` and `end`."""

from __future__ import annotations

from datetime import datetime, timedelta

from vms.api.errors import ApiError, register

NAIVE_TIME = register("range.naive_time", "times need a time zone, e.g. 2026-11-23T14:00:00+07:00")
END_BEFORE_START = register("range.end_before_start", "end must be after start")
# One code per limited kind of request, so each language can word its own sentence.
TOO_LONG = {
    "playback": register("range.too_long.playback", "at most {hours} hours per playback request"),
    "export": register("range.too_long.export", "at most {hours} hours per export"),
    "timeline": register("range.too_long.timeline", "at most {days} days per timeline request"),
    "report": register("range.too_long.report", "at most {days} days per report"),
}


def check_range(start: datetime | None, end: datetime | None, max_span: timedelta | None = None,
                what: str = "playback") -> None:
    """422 unless both times carry a zone, end is after start, and the span is within `max_span`.

    `what` names the kind of request (a key of TOO_LONG) for the error text.
    """
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise ApiError(422, NAIVE_TIME)
    if start is None or end is None:
        return
    if end <= start:
        raise ApiError(422, END_BEFORE_START)
    if max_span is not None and end - start > max_span:
        hours = max_span.total_seconds() / 3600
        raise ApiError(422, TOO_LONG[what], hours=_number(hours), days=_number(hours / 24))


def _number(value: float) -> int | float:
    """2.0 -> 2 (for "2 hours"), 1.5 stays."""
    return int(value) if float(value).is_integer() else round(value, 2)
