"""Typed SQLAlchemy 2.0 models. All datetimes are timezone-aware UTC.

Indexes follow the queries: segments by (camera, start) for playback and retention; events by
(start, id), (camera, start, id), (type, start, id) and (zone, start, id) so every search walks an
index newest first and stops at the page size (keyset pagination on (start, id)); event objects by
(event_id, class, colour, direction) so attribute filters are index-only probes. bench/search.py
measures these choices at a million events.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import false as sa_false
from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns aware datetimes (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


class Camera(Base):
    """A camera of the site. The password is encrypted at rest and never leaves through the API."""

    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200), default="")
    source_kind: Mapped[str] = mapped_column(String(8))  # rtsp | file | sim
    source_location: Mapped[str] = mapped_column(Text)  # URL without credentials, path or scene
    # The sub stream analysed instead of the main one (RTSP URL without credentials, or file path;
    # for simulated cameras the scene name when the camera offers one). None: single-stream camera.
    sub_location: Mapped[str | None] = mapped_column(Text, nullable=True)
    analysis_stream: Mapped[str] = mapped_column(String(8), default="auto", server_default="auto")  # auto|main|sub
    transport: Mapped[str] = mapped_column(String(4), default="tcp")
    username: Mapped[str | None] = mapped_column(String(120), nullable=True)
    password_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    seed: Mapped[int] = mapped_column(Integer, default=0)  # simulated cameras only
    loop: Mapped[bool] = mapped_column(Boolean, default=False)  # file cameras only: restart at end of file
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    retention_days: Mapped[float] = mapped_column(Float, default=30.0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # ONVIF registration (empty for cameras added by plain RTSP URL or from the config file).
    onvif_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    onvif_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    onvif_endpoint: Mapped[str | None] = mapped_column(String(255), nullable=True)  # urn:uuid:...
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    ptz_supported: Mapped[bool] = mapped_column(Boolean, default=False)
    snapshot_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The installer allowed HTTP Basic over plain http for this camera (password in clear text).
    allow_basic_http: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Live analysis settings (vms.config.DetectionSettings as JSON: detector, rules, rolls); None = defaults.
    detection: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class CameraStatus(Base):
    """Live health of a camera, written by its worker every few seconds."""

    __tablename__ = "camera_status"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    fps: Mapped[float] = mapped_column(Float, default=0.0)
    bitrate_kbps: Mapped[float] = mapped_column(Float, default=0.0)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    codec: Mapped[str] = mapped_column(String(16), default="")
    last_frame_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    audio_codec: Mapped[str] = mapped_column(String(24), default="", server_default="")  # e.g. aac, pcm_mulaw>aac
    # The analysed stream's connection ("sub": a second connection; "main": the recorded one; "": none).
    analysis_stream: Mapped[str] = mapped_column(String(8), default="", server_default="")
    analysis_online: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    analysis_width: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    analysis_height: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    analysis_fps: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    analysis_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Segment(Base):
    """A finished recording file. `path` is relative to the recordings root."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_camera_start", "camera_id", "start"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    path: Mapped[str] = mapped_column(String(400), unique=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    hold_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Event(Base):
    """Something that happened over a time range: a rule hit, a camera going offline, a storage alarm."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_start_id", "start", "id"),
        Index("ix_events_camera_start_id", "camera_id", "start", "id"),
        Index("ix_events_type_start_id", "type", "start", "id"),
        Index("ix_events_zone_start_id", "zone", "start", "id"),
        Index("ix_events_review_start_id", "review_state", "start", "id"),
        Index("ix_events_alarm_level_id", "alarm_level", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    camera_id: Mapped[str | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"), nullable=True)
    type: Mapped[str] = mapped_column(String(32))
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    severity: Mapped[str] = mapped_column(String(8), default="info")  # info | warning | alarm
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    zone: Mapped[str | None] = mapped_column(String(64), nullable=True)  # rule zone or line id
    object_classes: Mapped[str] = mapped_column(String(120), default="")  # sorted, comma-joined, for display
    detector: Mapped[str] = mapped_column(String(32), default="")  # which detector produced it
    snapshot: Mapped[str | None] = mapped_column(String(400), nullable=True)  # JPEG under state/snapshots
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Alarm workflow (vms.alarms): the level the API's watcher classified the event at (alarm | notify
    # | log; None until it has seen it), and where its review stands (new | acknowledged |
    # false_alarm | handled; None for log-level events).
    alarm_level: Mapped[str | None] = mapped_column(String(8), nullable=True)
    review_state: Mapped[str | None] = mapped_column(String(16), nullable=True)


class EventReview(Base):
    """One step of an alarm's review: who set which state, when, and what they wrote. Never edited."""

    __tablename__ = "event_reviews"
    __table_args__ = (Index("ix_event_reviews_event", "event_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))  # acknowledged | false_alarm | handled
    note: Mapped[str] = mapped_column(Text, default="")
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class EventObject(Base):
    """An object involved in an event (a tracked car, the person it hit), for search by attributes."""

    __tablename__ = "event_objects"
    __table_args__ = (
        Index("ix_event_objects_class_colour", "class_name", "colour"),
        Index("ix_event_objects_event_attrs", "event_id", "class_name", "colour", "direction"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(Integer, default=-1)
    role: Mapped[str] = mapped_column(String(16), default="")  # e.g. vehicle | victim | intruder
    class_name: Mapped[str] = mapped_column(String(16))  # person | bicycle | motorbike | car | bus | truck
    colour: Mapped[str] = mapped_column(String(16), default="")  # English colour name; UI translates
    direction: Mapped[str] = mapped_column(String(8), default="")  # compass octant: N NE E SE S SW W NW
    speed_kmh: Mapped[float | None] = mapped_column(Float, nullable=True)


class User(Base):
    """A person who logs in. Passwords are argon2 hashes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))  # admin | installer | operator | investigator | viewer
    full_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginSession(Base):
    """A logged-in browser or script. Only the SHA-256 of the token is stored."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    client_ip: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    """Failed logins per client address and user name (`ip\x1fname`) or per address (`ip\x1f*`)."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AuditEntry(Base):
    """Append-only record of who did what, when, from where. No API edits or deletes it."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_ts", "ts"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(Text, default="")
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class UserCamera(Base):
    """Per-camera access: a user with no rows here sees every camera."""

    __tablename__ = "user_cameras"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)


class Export(Base):
    """An evidence export job and, once done, its package under state/exports/<id>/."""

    __tablename__ = "exports"
    __table_args__ = (Index("ix_exports_created_by", "created_by", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="queued")  # queued | running | done | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    camera_ids: Mapped[list] = mapped_column(JSON, default=list)
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    case_number: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class WallView(Base):
    """A user's saved camera-wall arrangement: a layout (1, 4, 9, 16 tiles) and a camera per tile."""

    __tablename__ = "wall_views"
    __table_args__ = (Index("ix_wall_views_user_name", "user_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    layout: Mapped[int] = mapped_column(Integer, default=4)
    cameras: Mapped[list] = mapped_column(JSON, default=list)  # camera id or None per tile, in tile order
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# -- The programme's records (hồ sơ): camera files, maintenance tickets, the site map ------------------


class CameraRecord(Base):
    """The programme's file on one camera (hồ sơ camera): owner and funder, agreement, installation,
    place, what it covers, and its status in the programme.

    Keyed by the camera id but with no foreign key: the commune's list also holds cameras that are
    planned, retired or not connected to this server, and a record survives its camera being disabled.
    """

    __tablename__ = "camera_records"
    __table_args__ = (Index("ix_camera_records_hamlet", "hamlet"),)

    camera_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")  # used when no connected camera has this id
    owner_kind: Mapped[str] = mapped_column(String(16), default="other")  # vms.records.schemas.PARTY_KINDS
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    owner_contact: Mapped[str] = mapped_column(String(120), default="")
    funder_kind: Mapped[str] = mapped_column(String(16), default="other")
    funder_name: Mapped[str] = mapped_column(String(120), default="")
    funder_contact: Mapped[str] = mapped_column(String(120), default="")
    agreement_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    agreement_ref: Mapped[str] = mapped_column(String(64), default="")
    agreement_scan: Mapped[str | None] = mapped_column(String(80), nullable=True)  # file name under state/records
    agreement_scan_name: Mapped[str] = mapped_column(String(200), default="")  # what the uploader called it
    installer: Mapped[str] = mapped_column(String(120), default="")
    installed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    warranty_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    hamlet: Mapped[str] = mapped_column(String(80), default="")  # thôn, bản, tổ dân phố
    address: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    map_x: Mapped[float | None] = mapped_column(Float, nullable=True)  # 0..1 across the site map image
    map_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    coverage: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["road", "market"]
    coverage_note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default="active")  # planned | active | broken | retired
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    status_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class MaintenanceTicket(Base):
    """One fault of one camera, from report to repair: who raised it, who fixed it, what it cost."""

    __tablename__ = "maintenance_tickets"
    __table_args__ = (
        Index("ix_tickets_camera_status", "camera_id", "status"),
        Index("ix_tickets_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(48))
    source: Mapped[str] = mapped_column(String(12), default="manual")  # manual | offline | tamper
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | in_progress | fixed | cancelled
    fault: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(64))  # a user name, or "system" for automatic tickets
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the offline/tamper event behind it
    recovered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # fault cleared by itself
    fixed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    fixed_by: Mapped[str] = mapped_column(String(120), default="")  # the technician
    work_done: Mapped[str] = mapped_column(Text, default="")
    cost_vnd: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paid_by_kind: Mapped[str] = mapped_column(String(16), default="")
    paid_by_name: Mapped[str] = mapped_column(String(120), default="")
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SiteMap(Base):
    """An uploaded map of the commune (its own map or a scanned plan); the newest row is the one shown."""

    __tablename__ = "site_maps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(80))  # under state/records
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(64))
