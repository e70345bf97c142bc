"""Time-range checks shared by every route that takes `start` and `end`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator

from vms.api.errors import ApiError, register

NAIVE_TIME = register("range.naive_time", "times need a time zone, e.g. 2026-11-23T14:00:00+07:00")
END_BEFORE_START = register("range.end_before_start", "end must be after start")
OUT_OF_RANGE = register("range.out_of_range", "times must lie between {earliest} and {latest}")
# Nothing this service records or searches lies outside these years; beyond them, date arithmetic
# and database conversions overflow (year 1 at +14:00 is before year 1 in UTC).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def in_bounds(value: datetime) -> datetime:
    """A zone-aware time between EARLIEST and LATEST (pydantic validator and check_range)."""
    if value.tzinfo is not None and not EARLIEST <= value <= LATEST:
        raise ApiError(422, OUT_OF_RANGE, earliest=EARLIEST.date().isoformat(), latest=LATEST.date().isoformat())
    return value


def _bounded(value: datetime) -> datetime:
    if value.tzinfo is not None and not EARLIEST <= value <= LATEST:
        raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()}")
    return value


# A datetime field of a request body, with the same bounds.
Moment = Annotated[datetime, AfterValidator(_bounded)]
# One code per limited kind of request, so each language can word its own sentence.
TOO_LONG = {
    "playback": register("range.too_long.playback", "at most {hours} hours per playback request"),
    "export": register("range.too_long.export", "at most {hours} hours per export"),
    "timeline": register("range.too_long.timeline", "at most {days} days per timeline request"),
    "report": register("range.too_long.report", "at most {days} days per report"),
}
TOO_LONG["review"] = TOO_LONG["report"]  # the review report (found by tests/security/test_fuzz_extremes.py)


def check_range(start: datetime | None, end: datetime | None, max_span: timedelta | None = None,
                what: str = "playback") -> None:
    """422 unless both times carry a zone, end is after start, and the span is within `max_span`.

    `what` names the kind of request (a key of TOO_LONG) for the error text.
    """
    for value in (start, end):
        if value is not None and value.tzinfo is None:
            raise ApiError(422, NAIVE_TIME)
        if value is not None:
            in_bounds(value)
    if start is None or end is None:
        return
    if end <= start:
        raise ApiError(422, END_BEFORE_START)
    if max_span is not None and end - start > max_span:
        hours = max_span.total_seconds() / 3600
        raise ApiError(422, TOO_LONG.get(what, TOO_LONG["report"]), hours=_number(hours), days=_number(hours / 24))


def _number(value: float) -> int | float:
    """2.0 -> 2 (for "2 hours"), 1.5 stays."""
    return int(value) if float(value).is_integer() else round(value, 2)
