"""Cameras with their live status, a still image from the latest recording, and camera management.

Creating, editing or deleting a camera takes effect at once: the site's supervisor starts, restarts
or stops that camera's worker. Passwords are write-only: stored encrypted, never returned, logged
or written into audit details.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from camera_drivers.stream import redact_url
from vms.access import can, sees_camera
from vms.api.deps import CAMERA_NOT_FOUND, CameraAdmin, ContextDep, LiveUser, ScopeDep, SessionDep, client_ip
from vms.api.errors import ApiError, register, register_pattern
from vms.api.routes.camera_rules import check_rules_in_frame, main_frame_size
from vms.api.schemas import CameraOut, CameraStatusOut
from vms.audit import audit
from vms.cameras import apply_camera_config
from detectors.rules.config import RULE_NAME_PATTERN
from vms.config import CAMERA_ID_PATTERN, AnalysisStream, CameraConfig, DetectionSettings, RtspSource, Source
from vms.db.models import AuditEntry, Camera, CameraStatus, Segment
from vms.snapshots import SnapshotError, latest_keyframe_jpeg
from vms.sources import SOURCE_ERRORS, SourceRefused, check_camera_source, site_policy

router = APIRouter(prefix="/api/cameras", tags=["cameras"])
NO_FOOTAGE_YET = register("camera.no_footage_yet", "no footage recorded yet")
SNAPSHOT_FAILED = register("camera.snapshot_failed", "cannot make a still from the newest recording: {reason}")
CAMERA_ID_TAKEN = register("camera.id_taken", "a camera with this id exists: {camera_id}")
# Raised by the config validators (vms.config) as PydanticCustomError types.
register("camera.url_scheme", "{field}: must start with rtsp:// or rtsps://")
register("camera.password_placeholder", "{field}: is a placeholder from a sample file; put the camera's real password")
register("camera.url_credentials", "{field}: must not embed credentials; use the user name and password fields")
register("camera.no_sub_stream", "analysing the sub stream needs a sub stream URL")
register("camera.simulated_detector", "the simulated detector only works for simulated cameras")
register("rule.schedule_format", "{field}: a schedule looks like 22:00-05:00")
register("rule.duplicate_names", "two rules have the same name: {names}")
register_pattern(CAMERA_ID_PATTERN, "camera.id_pattern",
                 "{field}: lower-case letters, digits, _ and - only, starting with a letter or digit (max 48)")
register_pattern(RULE_NAME_PATTERN, "rule.name_pattern", "{field}: letters, digits, _ . and - only")
RETENTION_FLOOR = register("camera.retention_below_floor", "retention must be at least {min_days} days (legal minimum)")
RETENTION_ADMIN = register("camera.retention_lower_admin_only", "only an administrator may shorten retention")
RETENTION_REASON = register("camera.retention_reason_required", "shortening retention needs a reason")
for _code, _english in SOURCE_ERRORS.items():
    register(_code, _english)


def check_source(source: object, ctx: ContextDep) -> None:
    """The site's limits on what a source may open (vms.sources): 422 naming the field otherwise."""
    try:
        check_camera_source(source, site_policy(ctx.config, ctx.paths))
    except SourceRefused as error:
        raise ApiError(422, error.code, str(error), field=error.field, **error.params) from None


def camera_out(camera: Camera, status: CameraStatus | None, manager: bool = True) -> CameraOut:
    """A camera for the API. Only roles that manage cameras (`manager`) see its user name, source
    address or file path, and the raw error text (which can name server paths)."""
    status_out = None
    if status is not None:
        status_out = CameraStatusOut.model_validate(status, from_attributes=True)
        if not manager:
            status_out = status_out.model_copy(update={"last_error": "error" if status.last_error else ""})
    return CameraOut(
        id=camera.id,
        name=camera.name,
        location=camera.location,
        source_kind=camera.source_kind,
        source_location=redact_url(camera.source_location) if manager else "",
        sub_location=redact_url(camera.sub_location) if camera.sub_location and manager else None,
        analysis_stream=camera.analysis_stream or "auto",
        has_credentials=bool(camera.username or camera.password_encrypted),
        enabled=camera.enabled,
        retention_days=camera.retention_days,
        username=camera.username if manager else None,
        detection=camera.detection,
        status=status_out,
    )


@router.get("", response_model=list[CameraOut])
def list_cameras(user: LiveUser, db: SessionDep, scope: ScopeDep) -> list[CameraOut]:
    query = select(Camera, CameraStatus).outerjoin(CameraStatus).order_by(Camera.id)
    if scope is not None:
        query = query.where(Camera.id.in_(sorted(scope)))
    manager = can(user, "cameras")
    return [camera_out(camera, status, manager) for camera, status in db.execute(query)]


def _visible(db: SessionDep, camera_id: str, scope: frozenset[str] | None) -> Camera:
    camera = db.get(Camera, camera_id)
    if camera is None or not sees_camera(scope, camera_id):
        raise ApiError(404, CAMERA_NOT_FOUND, camera_id=camera_id)
    return camera


@router.get("/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: str, user: LiveUser, db: SessionDep, scope: ScopeDep) -> CameraOut:
    camera = _visible(db, camera_id, scope)
    return camera_out(camera, db.get(CameraStatus, camera_id), can(user, "cameras"))


LIVE_VIEW_AUDIT_INTERVAL = timedelta(minutes=5)
LIVE_FRAME_MAX_AGE_S = 10.0


def _fresh_live_frame(path: Path) -> bytes | None:
    """The analysis thread's newest frame, if it is recent (a stale one means the camera is down)."""
    try:
        if time.time() - path.stat().st_mtime > LIVE_FRAME_MAX_AGE_S:
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _viewed_recently(db: Session, username: str, camera_id: str) -> bool:
    """A wall refreshing every few seconds is one viewing: audit it once per user and camera per 5 min."""
    since = datetime.now(timezone.utc) - LIVE_VIEW_AUDIT_INTERVAL
    query = select(AuditEntry.id).where(AuditEntry.ts >= since, AuditEntry.username == username,
                                        AuditEntry.action == "live_view", AuditEntry.target == camera_id)
    return db.scalars(query.limit(1)).first() is not None


@router.get("/{camera_id}/snapshot.jpg", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
def snapshot(camera_id: str, request: Request, user: LiveUser, db: SessionDep, scope: ScopeDep) -> Response:
    """The camera's newest frame as JPEG: the frame its analysis saw in the last few seconds, else
    the last keyframe of the newest finished segment (cameras without analysis)."""
    _visible(db, camera_id, scope)
    paths = request.app.state.context.paths
    jpeg = _fresh_live_frame(paths.live_frames / f"{camera_id}.jpg")
    if jpeg is None:
        segment = db.scalars(
            select(Segment).where(Segment.camera_id == camera_id).order_by(Segment.start.desc()).limit(1)
        ).first()
        if segment is None:
            raise ApiError(404, NO_FOOTAGE_YET)
        try:
            jpeg = latest_keyframe_jpeg(paths.recordings / segment.path)
        except SnapshotError as error:
            raise ApiError(404, SNAPSHOT_FAILED, reason=str(error)) from None
    if not _viewed_recently(db, user.username, camera_id):
        audit(db, user.username, "live_view", target=camera_id, client_ip=client_ip(request))
        db.commit()
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


class CameraPatch(BaseModel):
    """Fields to change; omitted fields keep their value. An RTSP source given without a password
    keeps the stored one when the URL and user name are unchanged."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=120)
    location: str | None = Field(None, max_length=200)
    source: Source | None = None
    enabled: bool | None = None
    retention_days: float | None = Field(None, gt=0, le=3650)
    retention_reason: str | None = Field(None, min_length=5, max_length=500,
                                         description="why retention is shortened (required to lower it; admin only)")
    detection: DetectionSettings | None = Field(None, description="live analysis: detector, rules, pre/post roll")
    analysis_stream: AnalysisStream | None = Field(None, description="stream analysed: auto, main or sub")


def check_retention(days: float, floor: float) -> None:
    if days < floor:
        raise ApiError(422, RETENTION_FLOOR, min_days=floor)


def _check_retention_change(body: CameraPatch, camera: Camera, user, floor: float) -> None:  # type: ignore[no-untyped-def]
    """Retention has a legal floor; shortening it deletes footage, so it is admin-only with a reason."""
    if body.retention_days is None:
        return
    check_retention(body.retention_days, floor)
    if body.retention_days < camera.retention_days:
        if user.role != "admin":
            raise ApiError(403, RETENTION_ADMIN)
        if not body.retention_reason:
            raise ApiError(422, RETENTION_REASON)


def _snapshot_fields(camera: Camera) -> dict[str, object]:
    """The audited view of a camera row (never the password): compared before and after a change."""
    return {"name": camera.name, "location": camera.location, "enabled": camera.enabled,
            "retention_days": camera.retention_days, "source_type": camera.source_kind,
            "source": redact_url(camera.source_location), "username": camera.username,
            "detection": camera.detection}


def _changes(before: dict[str, object], after: dict[str, object]) -> dict[str, list[object]]:
    return {key: [before[key], after[key]] for key in before if before[key] != after[key]}


def _audit_fields(config: CameraConfig) -> dict[str, object]:
    source = config.source
    where = redact_url(source.url) if isinstance(source, RtspSource) else str(getattr(source, "scene", ""))
    return {"name": config.name, "source_type": source.type, "source": where, "enabled": config.enabled}


@router.post("", response_model=CameraOut, status_code=201)
def create_camera(body: CameraConfig, request: Request, user: CameraAdmin, db: SessionDep, ctx: ContextDep
                  ) -> CameraOut:
    if db.get(Camera, body.id) is not None:
        raise ApiError(409, CAMERA_ID_TAKEN, camera_id=body.id)
    check_retention(body.retention_days, ctx.config.storage.min_retention_days)
    check_source(body.source, ctx)
    check_rules_in_frame(body.detection, main_frame_size(None, body.source))
    camera = Camera(id=body.id)
    apply_camera_config(camera, body, ctx.vault)
    db.add(camera)
    audit(db, user.username, "camera_create", target=body.id, client_ip=client_ip(request),
          **_audit_fields(body))
    db.commit()
    ctx.cameras_changed()
    return camera_out(camera, None)


@router.patch("/{camera_id}", response_model=CameraOut)
def update_camera(camera_id: str, body: CameraPatch, request: Request, user: CameraAdmin, db: SessionDep,
                  scope: ScopeDep, ctx: ContextDep) -> CameraOut:
    camera = _visible(db, camera_id, scope)
    _check_retention_change(body, camera, user, ctx.config.storage.min_retention_days)
    audited = _snapshot_fields(camera)
    before = (camera.source_kind, camera.source_location, camera.username, camera.password_encrypted)
    current = _current_config(camera)
    changes = body.model_dump(exclude_unset=True, exclude={"source", "retention_reason"})
    data = {**current.model_dump(), **changes}
    if body.source is not None:
        data["source"] = body.source  # the model itself: a new password stays a secret
    try:  # re-validate the combination (e.g. a detector or stream choice that suits another source)
        merged = CameraConfig.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False), body=changes) from None
    if body.source is not None:
        check_source(merged.source, ctx)
    if body.detection is not None:
        status = db.get(CameraStatus, camera_id) if body.source is None else None  # a new source: its own size
        check_rules_in_frame(merged.detection, main_frame_size(status, merged.source))
    apply_camera_config(camera, merged, ctx.vault)
    source = merged.source
    if (isinstance(source, RtspSource) and source.password is None
            and before[:3] == ("rtsp", source.url, source.username)):
        camera.password_encrypted = before[3]  # same stream and user: keep the stored password
    password_changed = camera.password_encrypted != before[3]
    audit(db, user.username, "camera_update", target=camera_id, client_ip=client_ip(request),
          fields=sorted(body.model_dump(exclude_unset=True)), changes=_changes(audited, _snapshot_fields(camera)),
          password_changed=password_changed, reason=body.retention_reason or "")
    db.commit()
    ctx.cameras_changed()
    return camera_out(camera, db.get(CameraStatus, camera_id))


@router.delete("/{camera_id}", status_code=204)
def delete_camera(camera_id: str, request: Request, user: CameraAdmin, db: SessionDep, scope: ScopeDep,
                  ctx: ContextDep) -> None:
    """Disable the camera and stop its worker. Its footage and events are kept."""
    camera = _visible(db, camera_id, scope)
    camera.enabled = False
    audit(db, user.username, "camera_delete", target=camera_id, client_ip=client_ip(request))
    db.commit()
    ctx.cameras_changed()


def _current_config(camera: Camera) -> CameraConfig:
    """The row as a config (password left out: it stays encrypted in the row)."""
    if camera.source_kind == "rtsp":
        source: dict[str, object] = {"type": "rtsp", "url": camera.source_location, "sub_url": camera.sub_location,
                                     "transport": camera.transport, "username": camera.username}
    elif camera.source_kind == "file":
        source = {"type": "file", "path": camera.source_location, "loop": camera.loop,
                  "sub_path": camera.sub_location}
    else:
        source = {"type": "sim", "scene": camera.source_location, "seed": camera.seed,
                  "sub": camera.sub_location is not None}
    return CameraConfig.model_validate({"id": camera.id, "name": camera.name, "location": camera.location,
                                        "source": source, "enabled": camera.enabled,
                                        "retention_days": camera.retention_days,
                                        "analysis_stream": camera.analysis_stream or "auto",
                                        "detection": camera.detection or {}})
