"""Storage policy: per-camera retention, a quota and a free-space floor.

The oldest footage that is not on evidence hold goes first; footage on hold is never deleted
automatically. When nothing more may be deleted and the disk is still too full, a storage alarm
event opens (and closes when space is back); recording carries on regardless.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from vms.db.models import Camera, Event, Segment

log = logging.getLogger(__name__)
BATCH = 200
CACHE_MAX_AGE_S = 3600
GB = 1024**3


@dataclass(frozen=True)
class StoragePolicy:
    quota_bytes: int | None
    min_free_bytes: int
    min_retention_days: float = 1.0  # the legal floor: a camera row asking for less never gets it


@dataclass
class JanitorReport:
    deleted_segments: int = 0
    freed_bytes: int = 0
    alarm: bool = False
    reasons: list[str] = field(default_factory=list)


class Janitor:
    """Deletes footage by policy. `run_once` is one pass; `start` runs passes on a timer thread."""

    def __init__(self, factory: sessionmaker[Session], root: Path, policy: StoragePolicy,
                 cache_dir: Path | None = None):
        self.factory = factory
        self.root = root
        self.policy = policy
        self.cache_dir = cache_dir
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, now: datetime | None = None) -> JanitorReport:
        now = now or datetime.now(timezone.utc)
        report = JanitorReport()
        self._prune_cache()
        self._apply_retention(now, report)
        self._apply_space_limits(report)
        self._update_alarm(now, report)
        return report

    def _prune_cache(self) -> None:
        """Playback clips are cut on demand and can be cut again: keep them an hour."""
        if self.cache_dir is None or not self.cache_dir.is_dir():
            return
        cutoff = time.time() - CACHE_MAX_AGE_S
        for path in self.cache_dir.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:
                pass

    def _apply_retention(self, now: datetime, report: JanitorReport) -> None:
        with self.factory() as session:
            retention = {row.id: row.retention_days for row in session.execute(select(Camera.id, Camera.retention_days))}
        for camera_id, days in retention.items():
            cutoff = now - timedelta(days=max(days, self.policy.min_retention_days))
            query = select(Segment).where(Segment.camera_id == camera_id, Segment.end < cutoff, ~Segment.on_hold)
            while self._delete_batch(query.order_by(Segment.start).limit(BATCH), report):
                pass

    def _apply_space_limits(self, report: JanitorReport) -> None:
        # Measure once, then account for what we free: summing a year of rows per deletion is slow.
        with self.factory() as session:
            used = session.scalar(select(func.coalesce(func.sum(Segment.bytes), 0))) or 0
        free = shutil.disk_usage(self.root).free
        oldest_unprotected = select(Segment).where(~Segment.on_hold).order_by(Segment.start).limit(BATCH)
        if self._limit_reason(used, free) is not None and self._empty_cache():
            free = shutil.disk_usage(self.root).free  # the playback cache goes before any footage
        while (reason := self._limit_reason(used - report.freed_bytes, free + report.freed_bytes)) is not None:
            if reason not in report.reasons:
                report.reasons.append(reason)
            with self.factory() as session:
                batch = list(session.scalars(oldest_unprotected))
            if not batch:
                report.alarm = True
                return
            for segment in batch:
                self._delete(segment, report)
                if self._limit_reason(used - report.freed_bytes, free + report.freed_bytes) is None:
                    break

    def _empty_cache(self) -> bool:
        """Delete every cached playback clip (they are cut again on demand); True if any went."""
        if self.cache_dir is None or not self.cache_dir.is_dir():
            return False
        removed = False
        for path in self.cache_dir.iterdir():
            path.unlink(missing_ok=True)
            removed = True
        return removed

    def _limit_reason(self, used: int, free: int) -> str | None:
        quota = self.policy.quota_bytes
        if quota is not None and used > quota:
            return f"quota: {used / GB:.2f} GB used of {quota / GB:.2f} GB"
        if free < self.policy.min_free_bytes:
            return f"free space: {free / GB:.2f} GB left, floor {self.policy.min_free_bytes / GB:.2f} GB"
        return None

    def _delete_batch(self, query, report: JanitorReport) -> bool:  # type: ignore[no-untyped-def]
        """Delete one batch of segments; return False if the query found none."""
        with self.factory() as session:
            segments = list(session.scalars(query))
        for segment in segments:
            self._delete(segment, report)
        return bool(segments)

    def _delete(self, segment: Segment, report: JanitorReport) -> None:
        # File first: a crash in between leaves a row without a file, which reconcile drops;
        # the other order could leave an unindexed file that nothing would ever delete.
        (self.root / segment.path).unlink(missing_ok=True)
        with self.factory.begin() as session:
            session.execute(delete(Segment).where(Segment.id == segment.id))
        report.deleted_segments += 1
        report.freed_bytes += segment.bytes

    def _update_alarm(self, now: datetime, report: JanitorReport) -> None:
        with self.factory.begin() as session:
            open_alarm = session.scalars(
                select(Event).where(Event.type == "storage_alarm", Event.end.is_(None)).limit(1)
            ).first()
            if report.alarm and open_alarm is None:
                log.error("storage alarm: %s; only footage on hold is left", "; ".join(report.reasons))
                session.add(
                    Event(type="storage_alarm", start=now, severity="alarm", details={"reasons": report.reasons})
                )
            elif not report.alarm and open_alarm is not None:
                open_alarm.end = now

    def start(self, interval_s: float) -> None:
        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.run_once()
                except Exception:  # the janitor must never die silently; log and try next round
                    log.exception("storage janitor pass failed")

        self._thread = threading.Thread(target=loop, name="janitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
