"""The database layer on SQLite and PostgreSQL: migrations, the segment index, reconciliation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from camera_drivers.recorder import ClosedSegment, segment_path
from vms.db.engine import make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.db.models import Camera, Event, Segment
from vms.recordings import add_segment, reconcile, segments_between
from tests.media import make_h264_file

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def prepared(url: str):  # type: ignore[no-untyped-def]
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        session.add(Camera(id="cam1", name="Cam 1", source_kind="sim", source_location="street_day"))
    return factory


def test_migrations_are_idempotent_and_datetimes_stay_utc(database_url: str) -> None:
    factory = prepared(database_url)
    upgrade(database_url)  # a second start must not fail
    with factory.begin() as session:
        session.add(Segment(camera_id="cam1", start=T0, end=T0 + timedelta(seconds=10), path="a.mp4", bytes=1))
    with factory() as session:
        segment = session.scalars(select(Segment)).one()
    assert segment.start == T0 and segment.start.tzinfo is not None


def test_segments_between_returns_overlaps_in_order(database_url: str) -> None:
    factory = prepared(database_url)
    with factory.begin() as session:
        for index in range(6):  # 10 s segments from T0
            start = T0 + timedelta(seconds=10 * index)
            session.add(Segment(camera_id="cam1", start=start, end=start + timedelta(seconds=10),
                                path=f"s{index}.mp4", bytes=100))
    with factory() as session:
        found = segments_between(session, "cam1", T0 + timedelta(seconds=15), T0 + timedelta(seconds=31))
    assert [s.path for s in found] == ["s1.mp4", "s2.mp4", "s3.mp4"]


def test_reconcile_recovers_partials_adds_orphans_drops_missing(database_url: str, tmp_path: Path) -> None:
    factory = prepared(database_url)
    root = tmp_path / "recordings"
    start = datetime.now(timezone.utc).timestamp()
    orphan = segment_path(root, "cam1", start)
    orphan.parent.mkdir(parents=True)
    make_h264_file(orphan, 2.0)
    partial_final = segment_path(root, "cam1", start + 2)
    make_h264_file(partial_final.with_name(partial_final.name + ".partial"), 2.0, container_format="mp4")
    with factory.begin() as session:
        add_segment(session, root, ClosedSegment("cam1", start - 20, start - 10, root / "cam1/gone.mp4", 5))
    report = reconcile(factory, root)
    assert (report.recovered, report.added_orphans, report.dropped_missing) == (1, 1, 1)
    with factory() as session:
        paths = sorted(s.path for s in session.scalars(select(Segment)))
        repairs = sorted(e.details["action"] for e in session.scalars(select(Event).where(Event.type == "index_repair")))
    assert paths == sorted([orphan.relative_to(root).as_posix(), partial_final.relative_to(root).as_posix()])
    assert repairs == ["segment_missing", "segment_recovered", "segment_reindexed"]
    assert reconcile(factory, root) == type(report)()  # a second pass finds nothing to do


def test_upgrade_from_first_revision_keeps_existing_rows(database_url: str) -> None:
    """A site installed at 0001 with events and cameras upgrades to the latest schema."""
    from sqlalchemy import text

    upgrade(database_url, "0001")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO cameras (id, name, location, source_kind, source_location, transport,"
                                " seed, loop, enabled, retention_days, created_at) VALUES ('c1', 'C', '', 'sim', 'x',"
                                " 'tcp', 0, false, true, 30, CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO events (camera_id, type, start, severity, details) VALUES"
                                " ('c1', 'camera_offline', CURRENT_TIMESTAMP, 'warning', '{}')"))
    upgrade(database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        event = session.scalars(select(Event)).one()
        camera = session.get(Camera, "c1")
    assert event.detector == "" and event.object_classes == "" and event.updated_at is not None
    assert camera is not None and camera.manufacturer == "" and camera.ptz_supported is False
