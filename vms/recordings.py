"""The recording index: finished segments in the database, and its reconciliation with the disk.

Workers add each segment right after the file is renamed into place. After a crash the service
calls `reconcile` before any worker starts: partials are recovered or removed, files missing from
the index are added, rows whose file vanished are dropped, and each repair is logged as an event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import av.error
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from camera_drivers.recorder import ClosedSegment, parse_segment_start
from camera_drivers.segments import find_partials, probe_segment, recover_partial
from vms.db.models import Camera, Event, Segment

log = logging.getLogger(__name__)
CRASH_NEWEST_FILES = 3  # a crashed worker can have left unindexed only the last file it renamed


def to_utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc)


def add_segment(session: Session, root: Path, closed: ClosedSegment) -> Segment:
    """Insert a finished segment (path stored relative to the recordings root)."""
    row = Segment(
        camera_id=closed.camera_id,
        start=to_utc(closed.start),
        end=to_utc(closed.end),
        path=closed.path.relative_to(root).as_posix(),
        bytes=closed.bytes,
    )
    session.add(row)
    return row


def segments_between(session: Session, camera_id: str, start: datetime, end: datetime) -> list[Segment]:
    """Segments of a camera overlapping [start, end), oldest first."""
    query = (
        select(Segment)
        .where(Segment.camera_id == camera_id, Segment.start < end, Segment.end > start)
        .order_by(Segment.start)
    )
    return list(session.scalars(query))


@dataclass
class ReconcileReport:
    recovered: int = 0
    removed_partials: int = 0
    added_orphans: int = 0
    dropped_missing: int = 0


def reconcile(factory: sessionmaker[Session], root: Path) -> ReconcileReport:
    """Make the index and the disk agree after an unclean stop. Safe to run at every start."""
    report = ReconcileReport()
    with factory.begin() as session:
        known_cameras = set(session.scalars(select(Camera.id)))
        _recover_partials(session, root, known_cameras, report)
        _add_orphans(session, root, known_cameras, report)
        _drop_missing(session, root, known_cameras, report)
    return report


def recover_camera(factory: sessionmaker[Session], root: Path, camera_id: str) -> ReconcileReport:
    """Finish the `.partial` files one camera's crashed worker left (its process killed by a signal
    or the OOM killer while the service runs on): cut back to the last whole fragment and indexed,
    like `reconcile` does at start-up for every camera. A worker calls it before it records; only
    that camera's worker writes its folder, so the others go on recording meanwhile."""
    report = ReconcileReport()
    partials = find_partials(root, camera_id)
    with factory.begin() as session:
        known = set(session.scalars(select(Camera.id).where(Camera.id == camera_id)))
        if partials:
            _recover_partials(session, root, known, report, partials)
        # A kill between a segment's rename and its row leaves it unindexed: only the newest can be.
        _add_orphans(session, root, known, report, newest=CRASH_NEWEST_FILES)
    return report


def _recover_partials(session: Session, root: Path, cameras: set[str], report: ReconcileReport,
                      partials: list[tuple[str, Path]] | None = None) -> None:
    for camera_id, path in find_partials(root) if partials is None else partials:
        recovered = recover_partial(path, camera_id)
        if recovered is None:
            report.removed_partials += 1
            _repair_event(session, camera_id, cameras, "partial_removed", path.name)
            continue
        report.recovered += 1
        if camera_id in cameras:
            add_segment(session, root, recovered)
        _repair_event(session, camera_id, cameras, "segment_recovered", recovered.path.name)


def _recent_files(root: Path, camera_id: str, days: int = 2) -> list[Path]:
    """Segment files in a camera's newest day folders: the only place a crash can leave work.

    Scanning a year of footage at every start would take minutes; a crash only ever touches the
    files being written, which live in the newest folders.
    """
    day_dirs = sorted(path for path in (root / camera_id).glob("*") if path.is_dir())[-days:]
    return sorted(path for day in day_dirs for path in day.glob("*/*.mp4"))


def _add_orphans(session: Session, root: Path, cameras: set[str], report: ReconcileReport,
                 newest: int | None = None) -> None:
    """Index segment files of `cameras` missing from the index (of each camera's `newest` files only, if given)."""
    recent = []
    for camera_id in sorted(cameras):
        files = _recent_files(root, camera_id)
        recent += files[-newest:] if newest else files
    names = [path.relative_to(root).as_posix() for path in recent]
    indexed = set(session.scalars(select(Segment.path).where(Segment.path.in_(names)))) if names else set()
    for path in recent:
        relative = path.relative_to(root).as_posix()
        camera_id = path.relative_to(root).parts[0]
        if relative in indexed or camera_id not in cameras:
            continue
        try:
            probe = probe_segment(path)
            start = parse_segment_start(path)
        except (av.error.FFmpegError, OSError, ValueError, IndexError) as error:
            log.warning("unreadable recording %s left in place (%s)", relative, error)
            continue
        add_segment(session, root, ClosedSegment(camera_id, start, start + probe.duration_s, path, path.stat().st_size))
        report.added_orphans += 1
        _repair_event(session, camera_id, cameras, "segment_reindexed", path.name)


def _drop_missing(session: Session, root: Path, cameras: set[str], report: ReconcileReport) -> None:
    """Drop rows whose file is gone, looking where that can happen: the newest segments (a crash)
    and the oldest (the janitor deletes the file, then the row)."""
    candidates: dict[int, Segment] = {}
    for camera_id in cameras:
        by_camera = select(Segment).where(Segment.camera_id == camera_id)
        for order in (Segment.start.asc(), Segment.start.desc()):
            for segment in session.scalars(by_camera.order_by(order).limit(500)):
                candidates[segment.id] = segment
    for segment in candidates.values():
        if not (root / segment.path).is_file():
            session.execute(delete(Segment).where(Segment.id == segment.id))
            report.dropped_missing += 1
            _repair_event(session, segment.camera_id, {segment.camera_id}, "segment_missing", segment.path)


def _repair_event(session: Session, camera_id: str, cameras: set[str], kind: str, name: str) -> None:
    log.info("index repair: %s %s %s", kind, camera_id, name)
    now = datetime.now(timezone.utc)
    session.add(
        Event(
            camera_id=camera_id if camera_id in cameras else None,
            type="index_repair",
            start=now,
            end=now,
            severity="warning",
            details={"action": kind, "file": name, "camera": camera_id},
        )
    )
