"""Event search, keyset pagination, timeline coverage and reports on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session, sessionmaker

from vms.db.engine import make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.db.models import Camera, Event, EventObject, Segment
from vms.reports import summary, summary_csv
from vms.search import (
    CursorError,
    EventFilter,
    camera_coverage,
    decode_cursor,
    encode_cursor,
    merge_coverage,
    search_events,
)

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=timezone.utc)
# (camera, minutes after T0, type, zone, objects as (class, colour, direction))
EVENTS = [
    ("cam1", 0, "intrusion", "gate", [("person", "", "N")]),
    ("cam1", 10, "hit_and_run", "road", [("car", "red", "E"), ("person", "", "")]),
    ("cam2", 20, "hit_and_run", "road", [("motorbike", "red", "W")]),
    ("cam2", 30, "wrong_way", "road", [("motorbike", "blue", "W"), ("car", "red", "E")]),
    ("cam1", 40, "loitering", "gate", [("person", "", "S")]),
    ("cam2", 50, "intrusion", "gate", []),
    ("cam1", 50, "intrusion", "gate", []),  # same start as the one before: ties break on id
]


@pytest.fixture
def factory(database_url: str) -> sessionmaker[Session]:
    upgrade(database_url)
    factory = make_session_factory(make_engine(database_url))
    with factory.begin() as session:
        for camera_id in ("cam1", "cam2"):
            session.add(
                Camera(
                    id=camera_id,
                    name=camera_id,
                    source_kind="sim",
                    source_location="street_day",
                    created_at=T0 - timedelta(days=1),
                )
            )
        session.flush()
        for camera_id, minutes, kind, zone, objects in EVENTS:
            event = Event(
                camera_id=camera_id,
                type=kind,
                start=T0 + timedelta(minutes=minutes),
                zone=zone,
                object_classes=",".join(sorted({o[0] for o in objects})),
                details={},
            )
            session.add(event)
            session.flush()
            for class_name, colour, direction in objects:
                session.add(
                    EventObject(event_id=event.id, class_name=class_name, colour=colour, direction=direction)
                )
    return factory


def minutes_found(
    factory: sessionmaker[Session], criteria: EventFilter, limit: int = 50
) -> list[tuple[str, int]]:
    with factory() as session:
        rows, _ = search_events(session, criteria, limit)
    return [(row.camera_id or "", int((row.start - T0).total_seconds() // 60)) for row in rows]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            EventFilter(),
            [("cam1", 50), ("cam2", 50), ("cam1", 40), ("cam2", 30), ("cam2", 20), ("cam1", 10), ("cam1", 0)],
        ),
        (EventFilter(cameras=frozenset({"cam2"})), [("cam2", 50), ("cam2", 30), ("cam2", 20)]),
        (EventFilter(types=("hit_and_run",)), [("cam2", 20), ("cam1", 10)]),
        (EventFilter(object_classes=("motorbike",), colour="red"), [("cam2", 20)]),
        (EventFilter(colour="red"), [("cam2", 30), ("cam2", 20), ("cam1", 10)]),
        (EventFilter(zone="road", direction="W"), [("cam2", 30), ("cam2", 20)]),
        (
            EventFilter(start=T0 + timedelta(minutes=10), end=T0 + timedelta(minutes=40)),
            [("cam2", 30), ("cam2", 20), ("cam1", 10)],
        ),
        (EventFilter(cameras=frozenset()), []),
    ],
)
def test_filters(
    factory: sessionmaker[Session], criteria: EventFilter, expected: list[tuple[str, int]]
) -> None:
    assert minutes_found(factory, criteria) == expected


def test_keyset_pages_cover_everything_once_newest_first(factory: sessionmaker[Session]) -> None:
    seen, cursor, pages = [], None, 0
    with factory() as session:
        while True:
            rows, cursor = search_events(session, EventFilter(), 3, cursor)
            seen += [row.id for row in rows]
            pages += 1
            if cursor is None:
                break
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    assert minutes_found(factory, EventFilter(), limit=7) == minutes_found(factory, EventFilter())


@pytest.mark.parametrize("cursor", ["", "bm90LWEtY3Vyc29y", "!!", "MjAyNi0xMS0wMVQwMDowMDowMHwx"])
def test_bad_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(cursor or "x")


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(T0, 42)) == (T0, 42)


@pytest.mark.parametrize(
    ("spans", "merged"),
    [
        ([(0, 10), (10, 20), (21.5, 30)], [(0, 30)]),  # holes up to 2 s join
        ([(0, 10), (12.5, 20)], [(0, 10), (12.5, 20)]),  # a longer hole splits
        ([(5, 8), (0, 10)], [(0, 10)]),
        ([], []),
    ],
)
def test_merge_coverage(spans: list[tuple[float, float]], merged: list[tuple[float, float]]) -> None:
    def at(seconds: float) -> datetime:
        return T0 + timedelta(seconds=seconds)

    result = merge_coverage([(at(a), at(b)) for a, b in spans])
    assert result == [(at(a), at(b)) for a, b in merged]


def add_segments(factory: sessionmaker[Session], spans: list[tuple[int, int]]) -> None:
    with factory.begin() as session:
        for index, (a, b) in enumerate(spans):
            session.add(
                Segment(
                    camera_id="cam1",
                    start=T0 + timedelta(seconds=a),
                    end=T0 + timedelta(seconds=b),
                    path=f"cam1/{index}.mp4",
                    bytes=1000,
                )
            )


def test_coverage_is_clipped_to_the_range(factory: sessionmaker[Session]) -> None:
    add_segments(factory, [(0, 10), (10, 20), (40, 50)])
    with factory() as session:
        spans = camera_coverage(session, "cam1", T0 + timedelta(seconds=5), T0 + timedelta(seconds=45))
    assert [((a - T0).total_seconds(), (b - T0).total_seconds()) for a, b in spans] == [(5, 20), (40, 45)]


def test_report_uptime_bytes_and_events(factory: sessionmaker[Session]) -> None:
    add_segments(factory, [(0, 10), (10, 20), (40, 50), (95, 105)])
    with factory() as session:
        reports, online = summary(session, T0, T0 + timedelta(seconds=100), None, now=T0 + timedelta(days=1))
    cam1 = reports[0]
    # Covered: 10 + 10 + 10 + 5 (the last segment cut at 100 s) of 100 s.
    assert (cam1.uptime_ratio, cam1.offline_seconds, cam1.recorded_bytes) == (0.35, 65.0, 4000)
    assert cam1.events_by_type == {"intrusion": 1} and online == 0
    csv_text = summary_csv(reports, T0, T0 + timedelta(seconds=100))
    assert csv_text.startswith("\ufeffperiod_start_utc") and "cam1,cam1,,35.00" in csv_text


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"])
def test_the_database_refuses_audit_edits(database_url: str, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from vms.audit import audit

    upgrade(database_url)
    factory = make_session_factory(make_engine(database_url))
    with factory.begin() as session:
        audit(session, "admin", "login")
    with pytest.raises(DBAPIError, match="append-only"), factory.begin() as session:
        session.execute(text(statement))
    with factory() as session:
        assert session.execute(text("SELECT action FROM audit_log")).scalars().all() == ["login"]
