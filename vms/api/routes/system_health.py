"""GET /api/system/health: the health page's figures (issue 11 item 6), the same numbers /metrics has.

Per camera: decode and analysis fps, frames dropped, model runs/s, how far analysis lags, and the
detector service's queue and runs for it; the detector service's inference ms p50/p95; CPU and RSS
per process. For administrators, installers and operators (capability `health`); a user limited to
some cameras sees only those cameras and their processes (plus the node's shared ones).
"""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from vms.access import sees_camera
from vms.api.deps import HealthUser, ContextDep, ScopeDep, SessionDep
from vms.api.node_health import HealthSampler, camera_rows, detector_row, process_cameras, process_rows
from vms.db.models import Camera, CameraStatus

router = APIRouter(prefix="/api/system", tags=["health"])


class CameraHealth(BaseModel):
    camera_id: str
    name: str
    online: bool = Field(description="the main (recorded) connection is up")
    analysed: bool = Field(description="live analysis is configured on for this camera")
    analysis_online: bool = Field(description="the analysed connection is up")
    reporting: bool = Field(description="the camera's analysis wrote figures in the last 30 s")
    decode_fps: float | None = None
    analysis_fps: float | None = None
    frames_dropped: float | None = Field(None, description="frames dropped before analysis since the worker started")
    dropped_per_s: float | None = None
    model_runs_per_s: float | None = None
    lag_s: float | None = Field(None, description="capture -> analysed, newest analysed frame")
    detector_queue: int | None = Field(None, description="requests of this camera waiting in the detector service")
    detector_runs_per_s: float | None = None
    detector_dropped: float | None = None


class DetectorHealth(BaseModel):
    up: bool
    runs: float | None = None
    runs_per_s: float | None = None
    queue_depth: int | None = None
    inference_ms_p50: float | None = None
    inference_ms_p95: float | None = None


class ProcessHealth(BaseModel):
    name: str = Field(description="web, detector, camera:ID or camera:ID1,ID2 (cameras sharing a process)")
    pid: int | None = None
    cpu_pct: float | None = Field(None, description="% of one core over the sampled span")
    rss_mb: float


class NodeHealth(BaseModel):
    sampled_at: datetime
    span_s: float | None = Field(None, description="rates are over this many seconds (None: measuring)")
    cameras: list[CameraHealth]
    detector: DetectorHealth
    processes: list[ProcessHealth]


def _sampler(request: Request, ctx: ContextDep) -> HealthSampler:
    sampler = getattr(request.app.state, "health_sampler", None)
    if sampler is None:
        sampler = request.app.state.health_sampler = HealthSampler(ctx.node_metrics)
    return sampler


@router.get("/health", response_model=NodeHealth)
def node_health(request: Request, user: HealthUser, db: SessionDep, scope: ScopeDep, ctx: ContextDep) -> NodeHealth:
    cameras = [c for c in db.scalars(select(Camera).where(Camera.enabled.is_(True)).order_by(Camera.id))
               if sees_camera(scope, c.id)]
    statuses = {s.camera_id: s for s in db.scalars(select(CameraStatus))}
    db.close()  # the snapshot below can wait up to a second on the detector service
    new, old, history = _sampler(request, ctx).look()
    visible = {c.id for c in cameras}
    rows = []
    for camera, row in zip(cameras, camera_rows(new, old, [c.id for c in cameras], history)):
        status = statuses.get(camera.id)
        rows.append(CameraHealth(name=camera.name, online=bool(status and status.online),
                                 analysed=(camera.detection or {}).get("enabled", True) is not False,
                                 analysis_online=bool(status and status.analysis_online), **row))
    shown = lambda name: all(cid in visible for cid in process_cameras(name))  # noqa: E731
    return NodeHealth(sampled_at=datetime.fromtimestamp(new.wall, timezone.utc),
                      span_s=round(new.at - old.at, 2) if old else None, cameras=rows,
                      detector=DetectorHealth(**detector_row(new, old)),
                      processes=[ProcessHealth(**p) for p in process_rows(new, old, shown)])
