"""Response models shared by several routers. Camera passwords have no field here, by design."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CameraStatusOut(BaseModel):
    online: bool
    fps: float
    bitrate_kbps: float
    width: int
    height: int
    codec: str
    last_frame_at: datetime | None
    reconnects: int
    last_error: str
    updated_at: datetime | None


class CameraOut(BaseModel):
    id: str
    name: str
    location: str
    source_kind: str
    source_location: str
    has_credentials: bool
    enabled: bool
    retention_days: float
    status: CameraStatusOut | None


class SegmentOut(BaseModel):
    id: int
    camera_id: str
    start: datetime
    end: datetime
    bytes: int
    on_hold: bool


class EventOut(BaseModel):
    id: int
    camera_id: str | None
    type: str
    start: datetime
    end: datetime | None
    severity: str
    details: dict
