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
    audio_codec: str = ""  # as sent, e.g. "aac", or "pcm_mulaw>aac" when converted for recording
    analysis_stream: str = ""  # connection analysed: "sub" (a second one), "main" (the recorded one), ""
    analysis_online: bool = False
    analysis_width: int = 0
    analysis_height: int = 0
    analysis_fps: float = 0.0
    analysis_error: str = ""
    updated_at: datetime | None


class CameraOut(BaseModel):
    id: str
    name: str
    location: str
    source_kind: str
    source_location: str
    sub_location: str | None = None  # the sub stream (RTSP URL without credentials, file path, scene)
    analysis_stream: str = "auto"  # configured: auto | main | sub
    has_credentials: bool
    enabled: bool
    retention_days: float
    username: str | None = None  # never the password
    detection: dict | None = None  # analysis settings: detector, rules (zones, lines, schedules), rolls
    status: CameraStatusOut | None


class SegmentOut(BaseModel):
    id: int
    camera_id: str
    start: datetime
    end: datetime
    bytes: int
    on_hold: bool


class EventObjectOut(BaseModel):
    track_id: int
    role: str
    class_name: str
    colour: str
    direction: str
    speed_kmh: float | None


class ReviewOut(BaseModel):
    """One review step of an alarm: who set which state, when, with what note."""

    state: str
    note: str
    username: str
    at: datetime


class EventOut(BaseModel):
    id: int
    camera_id: str | None
    camera_name: str | None
    type: str
    start: datetime
    end: datetime | None
    severity: str
    zone: str | None
    detector: str  # "imported:<name>" for an imported event
    imported: bool = False  # from a `vms analyze` result (handed-in footage): a claim, not a site detection
    object_classes: list[str]
    objects: list[EventObjectOut]
    details: dict
    has_snapshot: bool
    alarm_level: str | None = None  # alarm | notify | log (None: not yet classified)
    review_state: str | None = None  # new | acknowledged | false_alarm | handled (None: not an alarm)
    reviews: list[ReviewOut] = []


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None
