"""Export jobs: evidence packages made in the background with progress, zipped for download.

A job row in `exports` goes queued -> running -> done | failed. The package is written to
DATA/state/exports/<id>/ and zipped (stored, not deflated: video is already compressed) to
DATA/state/exports/<id>.zip. Every segment the package was cut from goes on evidence hold with
the case number, so the storage janitor never deletes it.

Exports form a chain: each manifest names its sequence number and the SHA-256 of the previous
export's manifest; every signed manifest is recorded in the append-only audit log
(`export_signed`), so a deleted or replaced export shows as a break (`chain_problems`).
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from vms.config import SiteConfig
from vms.audit import audit
from vms.db.models import AuditEntry, Camera, Export, Segment
from vms.evidence import (
    MANIFEST,
    CameraFootage,
    ExportError,
    ExportRequest,
    SourceFile,
    build_package,
    load_or_create_signing_key,
    sha256_file,
)
from vms.paths import DataPaths
from vms.recordings import segments_between

log = logging.getLogger(__name__)
PROGRESS_STEP = 0.05  # write progress to the database at most every 5 %


def gather_footage(
    session: Session, camera_ids: list[str], start: datetime, end: datetime, recordings_root: Path
) -> list[CameraFootage]:
    """The cameras and the segments of each overlapping [start, end)."""
    footage = []
    for camera_id in camera_ids:
        camera = session.get(Camera, camera_id)
        if camera is None:
            raise ExportError(f"no such camera: {camera_id}")
        files = [
            SourceFile(recordings_root / s.path, s.path, s.start, s.end, s.bytes)
            for s in segments_between(session, camera_id, start, end)
        ]
        footage.append(CameraFootage(camera.id, camera.name, camera.location, files))
    return footage


def hold_segments(session: Session, footage: list[CameraFootage], case_number: str) -> int:
    """Put every source segment on evidence hold, adding the case to any earlier hold reason."""
    paths = [s.relative for camera in footage for s in camera.segments]
    count = 0
    for segment in session.scalars(select(Segment).where(Segment.path.in_(paths))):
        reasons = [r for r in (segment.hold_reason or "").split("; ") if r]
        if case_number not in reasons:
            reasons.append(case_number)
        segment.on_hold = True
        segment.hold_reason = "; ".join(reasons)
        count += 1
    return count


CHAIN_ACTION = "export_signed"


def chain_entries(session: Session) -> list[AuditEntry]:
    """Every signed export in the order it was made (oldest first)."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == CHAIN_ACTION).order_by(AuditEntry.id)))


def chain_head(session: Session) -> tuple[int, str | None]:
    """(the next export's sequence number, SHA-256 of the newest export's manifest or None)."""
    last = session.scalars(
        select(AuditEntry).where(AuditEntry.action == CHAIN_ACTION).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    if last is None:
        return 1, None
    return int(last.details.get("sequence", 0)) + 1, last.details.get("manifest_sha256")


def chain_problems(entries: list[AuditEntry]) -> list[str]:
    """Breaks in the chain of exports: a missing number or a manifest that does not follow its predecessor."""
    problems, previous, expected = [], None, 1
    for entry in entries:
        sequence = int(entry.details.get("sequence", 0))
        if sequence != expected:
            problems.append(f"export #{expected} missing before #{sequence}")
        elif entry.details.get("previous_manifest_sha256") != previous:
            problems.append(f"export #{sequence} does not follow the manifest of #{sequence - 1}")
        previous, expected = entry.details.get("manifest_sha256"), sequence + 1
    return problems


def export_package(
    factory: sessionmaker[Session],
    paths: DataPaths,
    config: SiteConfig,
    out_dir: Path,
    camera_ids: list[str],
    start: datetime,
    end: datetime,
    case_number: str,
    reason: str,
    exporter: str,
    progress: Callable[[float], None] = lambda _: None,
) -> dict:
    """Hold the segments of the range, then make a package of them in `out_dir`; returns the manifest.

    The hold comes first so the storage janitor cannot delete a segment while it is being cut; a
    failed export leaves the hold in place (the footage was asked for as evidence)."""
    with factory.begin() as session:
        footage = gather_footage(session, camera_ids, start, end, paths.recordings.resolve())
        hold_segments(session, footage, case_number or "export")
        sequence, previous = chain_head(session)
    request = ExportRequest(footage, start, end, case_number, reason, exporter, config.site_name,
                            sequence=sequence, previous_manifest_sha256=previous)
    manifest = build_package(request, out_dir, load_or_create_signing_key(paths.signing_key), progress)
    with factory.begin() as session:
        audit(session, exporter, CHAIN_ACTION, target=str(out_dir.resolve()), case_number=case_number,
              sequence=sequence, previous_manifest_sha256=previous, manifest_sha256=sha256_file(out_dir / MANIFEST),
              fingerprint=manifest["signature"]["public_key_fingerprint"])
    return manifest


def zip_folder(folder: Path, zip_path: Path) -> int:
    """Zip (stored) a package folder under its own name; returns the zip's size in bytes."""
    temp = zip_path.with_name(zip_path.name + ".tmp")
    with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    temp.replace(zip_path)
    return zip_path.stat().st_size


class ExportRunner:
    """Runs export jobs one at a time on a background thread (exports are disk-bound)."""

    def __init__(self, factory: sessionmaker[Session], paths: DataPaths, config: SiteConfig):
        self.factory, self.paths, self.config = factory, paths, config
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")

    def zip_path(self, export_id: int) -> Path:
        return self.paths.exports / f"{export_id}.zip"

    def recover(self) -> None:
        """Jobs cut short by a restart are marked failed (the user can ask again)."""
        with self.factory.begin() as session:
            session.execute(
                update(Export)
                .where(Export.status.in_(["queued", "running"]))
                .values(status="failed", error="interrupted by a restart")
            )

    def submit(self, export_id: int) -> None:
        self._pool.submit(self.run, export_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _set(self, export_id: int, **values: object) -> None:
        with self.factory.begin() as session:
            session.execute(update(Export).where(Export.id == export_id).values(**values))

    def run(self, export_id: int) -> None:
        with self.factory() as session:
            job = session.get(Export, export_id)
            if job is None:
                return
            args = (list(job.camera_ids), job.start, job.end, job.case_number, job.reason, job.created_by)
        self._set(export_id, status="running", progress=0.0)
        folder = self.paths.exports / str(export_id)
        last = [0.0]

        def progress(value: float) -> None:
            if value - last[0] >= PROGRESS_STEP:
                last[0] = value
                self._set(export_id, progress=round(min(value, 1.0) * 0.9, 3))

        try:
            shutil.rmtree(folder, ignore_errors=True)
            export_package(self.factory, self.paths, self.config, folder, *args, progress=progress)
            size = zip_folder(folder, self.zip_path(export_id))
        except Exception as error:  # a job must always end as done or failed, whatever went wrong
            log.warning("export %s failed: %s", export_id, error)
            self._set(export_id, status="failed", error=str(error), finished_at=datetime.now(timezone.utc))
            return
        self._set(export_id, status="done", progress=1.0, bytes=size, finished_at=datetime.now(timezone.utc))
