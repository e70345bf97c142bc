"""Evidence exports: create a job, watch its progress, download the signed package as a zip."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from vms.access import sees_camera
from vms.api.deps import CAMERA_NOT_FOUND, ContextDep, CurrentUser, ExportUser, RowId, ScopeDep, SessionDep, client_ip
from vms.api.errors import ApiError, register
from vms.api.ranges import Moment, check_range
from vms.audit import audit
from vms.db.models import Camera, Export, User
from vms.evidence import MANIFEST, key_fingerprint, load_or_create_signing_key, public_pem, sha256_file

router = APIRouter(prefix="/api/exports", tags=["exports"])
key_router = APIRouter(prefix="/api/evidence", tags=["exports"])
MAX_EXPORT = timedelta(hours=24)
EXPORT_NOT_FOUND = register("export.not_found", "no such export")
EXPORT_NOT_READY = register("export.not_ready", "export is {status}, not ready for download")


class SigningKeyOut(BaseModel):
    algorithm: str = "Ed25519"
    fingerprint: str = Field(description="SHA-256 of the DER public key: publish it on paper")
    public_key_pem: str


@key_router.get("/key", response_model=SigningKeyOut)
def signing_key(user: CurrentUser, ctx: ContextDep) -> SigningKeyOut:
    """The site's evidence signing key and its fingerprint (public: shown so staff can publish it)."""
    pem = public_pem(load_or_create_signing_key(ctx.paths.signing_key))
    return SigningKeyOut(fingerprint=key_fingerprint(pem), public_key_pem=pem.decode("ascii"))


class HandoverOut(BaseModel):
    """What the printed handover form (biên bản bàn giao) carries for one export."""

    export_id: int
    site: str
    case_number: str
    reason: str
    camera_ids: list[str]
    requested: dict
    created: dict
    exporter: str
    files: dict[str, dict]
    manifest_sha256: str
    sequence: int | None
    previous_manifest_sha256: str | None
    key_fingerprint: str


class ExportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera_ids: list[str] = Field(min_length=1, max_length=16, description="cameras to export")
    start: Moment = Field(description="ISO 8601 with time zone")
    end: Moment = Field(description="ISO 8601 with time zone")
    case_number: str = Field(min_length=1, max_length=64, description="case or file number (số hồ sơ)")
    reason: str = Field(min_length=1, max_length=2000, description="why the footage is exported")


class ExportOut(BaseModel):
    id: int
    status: str
    progress: float
    camera_ids: list[str]
    start: datetime
    end: datetime
    case_number: str
    reason: str
    created_by: str
    created_at: datetime
    error: str | None
    bytes: int
    download_url: str | None


def export_out(job: Export) -> ExportOut:
    return ExportOut(
        id=job.id,
        status=job.status,
        progress=job.progress,
        camera_ids=list(job.camera_ids),
        start=job.start,
        end=job.end,
        case_number=job.case_number,
        reason=job.reason,
        created_by=job.created_by,
        created_at=job.created_at,
        error=job.error,
        bytes=job.bytes,
        download_url=f"/api/exports/{job.id}/download" if job.status == "done" else None,
    )


@router.post("", response_model=ExportOut, status_code=202)
def create_export(
    body: ExportCreate, request: Request, user: ExportUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep
) -> ExportOut:
    check_range(body.start, body.end, MAX_EXPORT, "export")
    camera_ids = list(dict.fromkeys(body.camera_ids))
    for camera_id in camera_ids:
        if db.get(Camera, camera_id) is None or not sees_camera(scope, camera_id):
            raise ApiError(404, CAMERA_NOT_FOUND, camera_id=camera_id)
    job = Export(
        camera_ids=camera_ids,
        start=body.start,
        end=body.end,
        case_number=body.case_number,
        reason=body.reason,
        created_by=user.username,
        status="queued",
        progress=0.0,
        bytes=0,
    )
    db.add(job)
    db.flush()
    audit(
        db,
        user.username,
        "export_create",
        target=str(job.id),
        client_ip=client_ip(request),
        cameras=camera_ids,
        start=body.start.isoformat(),
        end=body.end.isoformat(),
        case_number=body.case_number,
        reason=body.reason,
    )
    db.commit()
    if ctx.exporter is not None:
        ctx.exporter.submit(job.id)
    return export_out(job)


def _own_job(db: SessionDep, export_id: int, user: User) -> Export:
    job = db.get(Export, export_id)
    if job is None or (user.role != "admin" and job.created_by != user.username):
        raise ApiError(404, EXPORT_NOT_FOUND)
    return job


@router.get("", response_model=list[ExportOut])
def list_exports(user: ExportUser, db: SessionDep) -> list[ExportOut]:
    """The caller's exports, newest first (all exports for an admin)."""
    query = select(Export).order_by(Export.id.desc()).limit(500)
    if user.role != "admin":
        query = query.where(Export.created_by == user.username)
    return [export_out(job) for job in db.scalars(query)]


@router.get("/{export_id}", response_model=ExportOut)
def get_export(export_id: RowId, user: ExportUser, db: SessionDep) -> ExportOut:
    return export_out(_own_job(db, export_id, user))


@router.get("/{export_id}/handover", response_model=HandoverOut)
def handover(export_id: RowId, user: ExportUser, db: SessionDep, ctx: ContextDep) -> HandoverOut:
    """The facts for the signed paper handover form: the manifest hash and the key fingerprint."""
    job = _own_job(db, export_id, user)
    path = ctx.paths.exports / str(job.id) / MANIFEST
    if job.status != "done" or not path.is_file():
        raise ApiError(409, EXPORT_NOT_READY, status=job.status)
    manifest = json.loads(path.read_bytes())
    chain = manifest.get("chain") or {}
    return HandoverOut(
        export_id=job.id, site=manifest.get("site", ""), case_number=manifest["case_number"],
        reason=manifest["reason"], camera_ids=[c["camera_id"] for c in manifest["cameras"]],
        requested=manifest["requested"], created=manifest["created"], exporter=manifest["exporter"],
        files=manifest["files"], manifest_sha256=sha256_file(path), sequence=chain.get("sequence"),
        previous_manifest_sha256=chain.get("previous_manifest_sha256"),
        key_fingerprint=manifest["signature"]["public_key_fingerprint"],
    )


@router.get(
    "/{export_id}/download",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_export(
    export_id: RowId, request: Request, user: ExportUser, db: SessionDep, ctx: ContextDep
) -> FileResponse:
    job = _own_job(db, export_id, user)
    zip_path = ctx.paths.exports / f"{job.id}.zip"
    if job.status != "done" or not zip_path.is_file():
        raise ApiError(409, EXPORT_NOT_READY, status=job.status)
    audit(
        db,
        user.username,
        "export_download",
        target=str(job.id),
        client_ip=client_ip(request),
        case_number=job.case_number,
    )
    db.commit()
    return FileResponse(
        zip_path,
        media_type="application/zip",
        filename=f"evidence_{job.id}_{job.case_number}.zip".replace("/", "-"),
    )
