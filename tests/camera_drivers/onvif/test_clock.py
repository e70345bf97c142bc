"""Camera clock drift against the server clock (no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from camera_drivers.onvif.clock import camera_utc_from_reply, compare_clock

SERVER = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("camera", "threshold", "drift", "warn"),
    [
        (datetime(2026, 3, 1, 8, 0, 2, tzinfo=UTC), 5.0, 2.0, False),
        (datetime(2026, 3, 1, 7, 59, 50, tzinfo=UTC), 5.0, -10.0, True),
        (
            datetime(2026, 3, 1, 15, 0, 0, tzinfo=UTC),
            5.0,
            25200.0,
            True,
        ),  # local time set as UTC (+7 h)
        (datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC), 5.0, 5.0, False),
        (datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC), 2.0, 5.0, True),
        (None, 5.0, None, True),
    ],
    ids=["close", "behind", "timezone-mistake", "at-threshold", "lower-threshold", "no-utc"],
)
def test_compare_clock(camera: datetime | None, threshold: float, drift: float | None, warn: bool) -> None:
    check = compare_clock(camera, SERVER, threshold)
    assert (check.drift_s, check.warn) == (drift, warn)


def test_compare_clock_needs_an_aware_server_time() -> None:
    with pytest.raises(ValueError):
        compare_clock(None, datetime(2026, 3, 1, 8, 0, 0))


def _reply(year: int, month: int, day: int, h: int, m: int, s: int) -> SimpleNamespace:
    return SimpleNamespace(
        UTCDateTime=SimpleNamespace(
            Date=SimpleNamespace(Year=year, Month=month, Day=day),
            Time=SimpleNamespace(Hour=h, Minute=m, Second=s),
        )
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (_reply(2026, 3, 1, 8, 0, 7), datetime(2026, 3, 1, 8, 0, 7, tzinfo=UTC)),
        (_reply(2026, 2, 30, 8, 0, 0), None),  # invalid date some firmwares send after a reset
        (SimpleNamespace(UTCDateTime=None), None),
        (SimpleNamespace(), None),
    ],
    ids=["valid", "invalid-date", "no-utc", "empty"],
)
def test_camera_utc_from_reply(reply: object, expected: datetime | None) -> None:
    assert camera_utc_from_reply(reply) == expected
