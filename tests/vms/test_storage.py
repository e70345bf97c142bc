"""Storage policy: quota and free-space floor delete the oldest unprotected footage, never holds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from vms.db.engine import make_engine, make_session_factory
from vms.db.migrate import upgrade
from vms.db.models import Camera, Event, Segment
from vms.storage import Janitor, StoragePolicy

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
MB = 1024 * 1024


def site_with_segments(url: str, root: Path, holds: set[int], count: int = 10, retention_days: float = 30):
    """`count` one-minute segments of 1 MB each on disk, oldest first, some on hold."""
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        session.add(Camera(id="cam1", name="Cam", source_kind="sim", source_location="x", retention_days=retention_days))
        session.flush()
        for index in range(count):
            start = NOW - timedelta(minutes=count - index)
            relative = f"cam1/seg{index:02d}.mp4"
            (root / "cam1").mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(b"\0" * MB)
            session.add(Segment(camera_id="cam1", start=start, end=start + timedelta(minutes=1), path=relative,
                                bytes=MB, on_hold=index in holds, hold_reason="case 12/2026" if index in holds else None))
    return factory


def remaining(factory) -> list[str]:  # type: ignore[no-untyped-def]
    with factory() as session:
        return [s.path.split("/")[1] for s in session.scalars(select(Segment).order_by(Segment.start))]


@pytest.mark.parametrize(
    ("quota_mb", "holds", "expected_left", "alarm"),
    [
        (6, set(), ["seg04.mp4", "seg05.mp4", "seg06.mp4", "seg07.mp4", "seg08.mp4", "seg09.mp4"], False),
        (6, {0, 1}, ["seg00.mp4", "seg01.mp4", "seg06.mp4", "seg07.mp4", "seg08.mp4", "seg09.mp4"], False),
        (2, {0, 1, 2}, ["seg00.mp4", "seg01.mp4", "seg02.mp4"], True),
        (20, set(), [f"seg{i:02d}.mp4" for i in range(10)], False),
    ],
)
def test_quota_deletes_oldest_unprotected(database_url: str, tmp_path: Path, quota_mb: int, holds: set[int],
                                          expected_left: list[str], alarm: bool) -> None:
    root = tmp_path / "recordings"
    factory = site_with_segments(database_url, root, holds)
    report = Janitor(factory, root, StoragePolicy(quota_bytes=quota_mb * MB, min_free_bytes=0)).run_once(NOW)
    assert remaining(factory) == expected_left
    assert sorted(p.name for p in (root / "cam1").iterdir()) == expected_left
    assert report.alarm is alarm
    with factory() as session:
        alarms = list(session.scalars(select(Event).where(Event.type == "storage_alarm")))
    assert len(alarms) == int(alarm)


def test_alarm_closes_when_space_returns(database_url: str, tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    factory = site_with_segments(database_url, root, holds={0, 1, 2}, count=3)
    Janitor(factory, root, StoragePolicy(quota_bytes=1 * MB, min_free_bytes=0)).run_once(NOW)
    Janitor(factory, root, StoragePolicy(quota_bytes=10 * MB, min_free_bytes=0)).run_once(NOW + timedelta(minutes=1))
    with factory() as session:
        alarm = session.scalars(select(Event).where(Event.type == "storage_alarm")).one()
    assert alarm.end == NOW + timedelta(minutes=1)


def test_free_space_floor_is_enforced(database_url: str, tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    factory = site_with_segments(database_url, root, holds={3})
    # An impossible floor: everything unprotected goes, the hold stays, and the alarm is raised.
    report = Janitor(factory, root, StoragePolicy(quota_bytes=None, min_free_bytes=10**18)).run_once(NOW)
    assert remaining(factory) == ["seg03.mp4"]
    assert report.alarm


def test_retention_per_camera(database_url: str, tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    factory = site_with_segments(database_url, root, holds={0}, retention_days=5 / (24 * 60))  # five minutes
    Janitor(factory, root, StoragePolicy(quota_bytes=None, min_free_bytes=0, min_retention_days=0)).run_once(NOW)
    # Segments that ended more than five minutes ago go (seg04 ends exactly then), except the hold.
    assert remaining(factory) == ["seg00.mp4"] + [f"seg{i:02d}.mp4" for i in range(4, 10)]


def test_retention_never_below_the_legal_floor(database_url: str, tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    factory = site_with_segments(database_url, root, holds={0}, retention_days=5 / (24 * 60))  # a row asking 5 min
    Janitor(factory, root, StoragePolicy(quota_bytes=None, min_free_bytes=0, min_retention_days=1)).run_once(NOW)
    assert remaining(factory) == [f"seg{i:02d}.mp4" for i in range(10)]  # the 1-day floor keeps them all


def test_quota_reached_while_recording(tmp_path: Path) -> None:
    """The live path: a tiny quota, a looping camera, a segment on hold. Recording goes on."""
    import time as clock

    from tests.media import make_h264_file
    from vms.config import parse_config
    from vms.paths import DataPaths
    from vms.service import Site

    clip = make_h264_file(tmp_path / "clip.mp4", 4.0, width=640, height=360)
    config = parse_config({
        "recording": {"segment_seconds": 2},
        "storage": {"quota_gb": 0.00001, "min_free_gb": 0, "check_interval_s": 1},  # ~10 kB: 3 segments
        "sources": {"media_dirs": [str(tmp_path)]},  # file cameras read only listed folders
        "cameras": [{"id": "cam", "name": "Cam", "source": {"type": "file", "path": str(clip), "loop": True}}],
    })
    site = Site(config, DataPaths(tmp_path / "data"))
    site.prepare()
    site.start_background()
    try:
        deadline = clock.monotonic() + 30
        first = None
        while clock.monotonic() < deadline and first is None:
            clock.sleep(0.5)
            with site.session_factory.begin() as session:
                first = session.scalars(select(Segment).order_by(Segment.start).limit(1)).first()
                if first is not None:
                    first.on_hold = True  # evidence: must survive the quota
        assert first is not None
        clock.sleep(14)
    finally:
        site.stop_background()
    with site.session_factory() as session:
        segments = list(session.scalars(select(Segment).order_by(Segment.start)))
        alarms = list(session.scalars(select(Event).where(Event.type == "storage_alarm")))
    assert segments[0].id == first.id and (site.paths.recordings / first.path).is_file()
    assert len(segments) <= 6  # the hold plus what fits the quota; 8+ were recorded
    assert segments[-1].end.timestamp() > clock.time() - 6  # recording went on to the end
    assert sum(s.bytes for s in segments[1:]) <= 0.00001 * 1024**3 + max(s.bytes for s in segments)
    assert alarms == []  # there was always unprotected footage to delete
