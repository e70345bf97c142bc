"""Cameras with their live status, and a still image from the latest recording."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import select

from camera_drivers.stream import redact_url
from vms.api.deps import CurrentUser, SessionDep, client_ip
from vms.api.schemas import CameraOut, CameraStatusOut
from vms.audit import audit
from vms.db.models import Camera, CameraStatus, Segment
from vms.snapshots import SnapshotError, latest_keyframe_jpeg

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


def camera_out(camera: Camera, status: CameraStatus | None) -> CameraOut:
    status_out = None
    if status is not None:
        status_out = CameraStatusOut.model_validate(status, from_attributes=True)
    return CameraOut(
        id=camera.id,
        name=camera.name,
        location=camera.location,
        source_kind=camera.source_kind,
        source_location=redact_url(camera.source_location),
        has_credentials=bool(camera.username or camera.password_encrypted),
        enabled=camera.enabled,
        retention_days=camera.retention_days,
        status=status_out,
    )


@router.get("", response_model=list[CameraOut])
def list_cameras(user: CurrentUser, db: SessionDep) -> list[CameraOut]:
    rows = db.execute(select(Camera, CameraStatus).outerjoin(CameraStatus).order_by(Camera.id))
    return [camera_out(camera, status) for camera, status in rows]


@router.get("/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: str, user: CurrentUser, db: SessionDep) -> CameraOut:
    camera = db.get(Camera, camera_id)
    if camera is None:
        raise HTTPException(404, "no such camera")
    return camera_out(camera, db.get(CameraStatus, camera_id))


@router.get("/{camera_id}/snapshot.jpg", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}})
def snapshot(camera_id: str, request: Request, user: CurrentUser, db: SessionDep) -> Response:
    """The last keyframe of the newest finished segment, as JPEG (a live view of the recorder)."""
    if db.get(Camera, camera_id) is None:
        raise HTTPException(404, "no such camera")
    segment = db.scalars(
        select(Segment).where(Segment.camera_id == camera_id).order_by(Segment.start.desc()).limit(1)
    ).first()
    if segment is None:
        raise HTTPException(404, "no footage recorded yet")
    root = request.app.state.context.paths.recordings
    try:
        jpeg = latest_keyframe_jpeg(root / segment.path)
    except SnapshotError as error:
        raise HTTPException(404, str(error)) from None
    audit(db, user.username, "live_view", target=camera_id, client_ip=client_ip(request))
    db.commit()
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
