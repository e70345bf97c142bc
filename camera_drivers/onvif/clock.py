"""Camera clock versus server clock.

Recording timestamps come from the server (PTS anchored to the server clock), so drift does
not corrupt the archive; it still matters for the time burnt into the picture, for evidence
that shows both, and for WS-UsernameToken auth (cameras reject tokens far from their clock).
"""

from __future__ import annotations

from datetime import UTC, datetime

from camera_drivers.onvif.models import ClockCheck

DEFAULT_DRIFT_WARN_S = 5.0


def compare_clock(
    camera_utc: datetime | None, server_utc: datetime, threshold_s: float = DEFAULT_DRIFT_WARN_S
) -> ClockCheck:
    """Drift = camera - server in seconds; warn above ``threshold_s`` or when the camera gave no UTC."""
    if server_utc.tzinfo is None:
        raise ValueError("server_utc must be timezone-aware")
    drift = None if camera_utc is None else (camera_utc - server_utc).total_seconds()
    return ClockCheck(
        camera_utc=camera_utc,
        server_utc=server_utc,
        drift_s=drift,
        threshold_s=threshold_s,
        warn=drift is None or abs(drift) > threshold_s,
    )


def camera_utc_from_reply(reply: object) -> datetime | None:
    """The UTC time in a GetSystemDateAndTime reply (zeep object), or None if absent/invalid."""
    utc = getattr(reply, "UTCDateTime", None)
    date, tod = getattr(utc, "Date", None), getattr(utc, "Time", None)
    if date is None or tod is None:
        return None
    try:
        return datetime(date.Year, date.Month, date.Day, tod.Hour, tod.Minute, tod.Second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None
