"""Site configuration: one YAML file validated by pydantic.

A bad file is refused with a message naming the bad key and why (`ConfigError`), so an installer
at a commune office can fix it without reading a traceback.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from detectors.objects.configs import DetectorConfig
from detectors.rules.config import DEFAULT_TIMEZONE, RuleConfig
from vms.alarms.policy import AlarmsConfig

CAMERA_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,47}$"


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid; the message names the key."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PLACEHOLDER_PASSWORDS = frozenset({"change-me", "changeme", "change_me", "password", "secret", "xxx", "xxxx",
                                   "your-password", "<password>", "todo", "placeholder"})


class RtspSource(_Frozen):
    """A real IP camera stream pulled over RTSP."""

    type: Literal["rtsp"] = "rtsp"
    url: str = Field(description="rtsp:// URL without credentials (put them in username/password)")
    transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport; TCP survives lossy links")
    username: str | None = Field(None, description="RTSP user name")
    password: SecretStr | None = Field(None, description="RTSP password; stored encrypted, never logged")
    sub_url: str | None = Field(None, description="the camera's sub stream (same credentials), for analysis; "
                                                  "ONVIF registration fills it in")

    @field_validator("password")
    @classmethod
    def _no_placeholder(cls, password: SecretStr | None) -> SecretStr | None:
        # A sample file's "change-me" must never reach a camera: it is the first password tried.
        value = password.get_secret_value().strip().lower() if password is not None else ""
        if value in PLACEHOLDER_PASSWORDS or value.startswith(("${", "<")):
            raise PydanticCustomError("camera.password_placeholder",
                                      "is a placeholder from a sample file; put the camera's real password")
        return password

    @field_validator("url", "sub_url")
    @classmethod
    def _rtsp_scheme(cls, url: str | None) -> str | None:
        # Custom error types are the API's error codes (vms.api.validation_codes), so the UI can word them.
        if url is None:
            return None
        if not url.startswith(("rtsp://", "rtsps://")):
            raise PydanticCustomError("camera.url_scheme", "must start with rtsp:// or rtsps://")
        if re.match(r"^rtsps?://[^/@]*:[^/@]*@", url):
            raise PydanticCustomError("camera.url_credentials",
                                      "must not embed credentials; use the username and password keys")
        return url


class FileSource(_Frozen):
    """A video file played as if it were a camera (tests, footage handed in by citizens)."""

    type: Literal["file"] = "file"
    path: Path = Field(description="video file readable by FFmpeg")
    loop: bool = Field(False, description="restart at end of file instead of treating EOF as a disconnect")
    realtime: bool = Field(True, description="pace reading to the file's frame rate")
    sub_path: Path | None = Field(None, description="a smaller rendition of the same footage, played as the "
                                                    "camera's sub stream (benchmarks, tests)")


class SimulatedSource(_Frozen):
    """A built-in simulated camera rendering a scripted street scene."""

    type: Literal["sim"] = "sim"
    scene: str = Field("street_day", description="scene name in configs/scenes or a YAML path")
    seed: int = Field(0, ge=0, description="random seed; the same seed renders the same scene")
    sub: bool = Field(True, description="offer a sub stream as IP cameras do (at most 640 px wide)")


Source = Annotated[RtspSource | FileSource | SimulatedSource, Field(discriminator="type")]
AnalysisStream = Literal["auto", "main", "sub"]


def has_sub_stream(source: RtspSource | FileSource | SimulatedSource) -> bool:
    """The source offers a second, smaller stream for analysis."""
    if isinstance(source, RtspSource):
        return bool(source.sub_url) and source.sub_url != source.url
    if isinstance(source, FileSource):
        return source.sub_path is not None
    return source.sub


class DetectionSettings(_Frozen):
    """Live analysis of a camera: motion -> objects -> tracks -> rules -> events. Never slows recording."""

    enabled: bool = Field(True, description="run the detection pipeline and event rules on this camera")
    detector: DetectorConfig | None = Field(
        None, description="object detector; default: 'simulated' for simulated cameras, else NanoDet-g")
    detect_fps: float = Field(5.0, gt=0, le=60, description="frames per second analysed (motion, detection, "
                              "tracking, rules), whatever the stream's frame rate")
    every_n_frames: int = Field(1, ge=1, le=30, description="analyse only every n-th decoded frame (before detect_fps)")
    queue_frames: int = Field(30, ge=2, le=600, description="frames waiting for analysis; the oldest are dropped")
    rules: list[RuleConfig] | None = Field(
        None, description="event rules (zones and lines in image pixels); default: hit_and_run + tamper")
    pre_roll_s: float = Field(5, ge=0, le=300, description="footage before an event worth showing")
    post_roll_s: float = Field(5, ge=0, le=300, description="footage after an event worth showing")


class CameraConfig(_Frozen):
    """One camera and its recording policy."""

    id: str = Field(pattern=CAMERA_ID_PATTERN, description="short stable id: lowercase letters, digits, _ and -")
    name: str = Field(min_length=1, max_length=120, description="display name, e.g. 'Ngã ba chợ'")
    location: str = Field("", max_length=200, description="where the camera is mounted")
    source: Source
    enabled: bool = True
    retention_days: float = Field(30, gt=0, le=3650, description="delete unprotected footage older than this")
    detection: DetectionSettings = Field(default_factory=DetectionSettings, description="live event detection")
    analysis_stream: AnalysisStream = Field(
        "auto", description="stream analysed: auto = the sub stream when the camera has one (the main stream is "
                            "then only recorded, never decoded), main, or sub")

    @model_validator(mode="after")
    def _sub_stream_exists(self) -> "CameraConfig":
        if self.analysis_stream == "sub" and not has_sub_stream(self.source):
            raise PydanticCustomError("camera.no_sub_stream",
                                      "analysis_stream: 'sub' needs a sub stream (source.sub_url for RTSP, "
                                      "source.sub_path for a file)")
        return self

    @model_validator(mode="after")
    def _simulated_detector_only_for_simulated_cameras(self) -> "CameraConfig":
        detector = self.detection.detector
        if detector is not None and detector.type == "simulated" and self.source.type != "sim":
            raise PydanticCustomError("camera.simulated_detector",
                                      "detection.detector: the simulated detector reads scripted ground truth; "
                                      "it only works for sources of type 'sim'")
        return self


class RecordingConfig(_Frozen):
    """How continuous recording cuts the stream into files."""

    segment_seconds: float = Field(10, ge=2, le=3600, description="target segment length; cuts at keyframes")
    open_timeout_s: float = Field(10, gt=0, le=120, description="give up connecting after this long")
    read_timeout_s: float = Field(8, gt=0, le=120, description="a stream silent this long is a stall")
    backoff_initial_s: float = Field(1, gt=0, le=60, description="first reconnect delay")
    backoff_max_s: float = Field(30, gt=0, le=600, description="reconnect delay cap")


class StorageConfig(_Frozen):
    """Disk policy: retention per camera (in CameraConfig), a quota and a free-space floor."""

    quota_gb: float | None = Field(None, gt=0, description="max bytes of footage in GB; None = no quota")
    min_free_gb: float = Field(1.0, ge=0, description="keep at least this much free disk space")
    check_interval_s: float = Field(30, gt=0, le=3600, description="how often the janitor runs")
    playback_cache_gb: float = Field(2, gt=0, le=1000, description="cap of the playback clip cache "
                                     "(least recently used clips go first; never counted as footage)")
    min_retention_days: float = Field(1, ge=1, le=3650, description="legal minimum: no camera keeps footage "
                                      "for less (retention below it is refused, and never applied)")


class DetectorServiceConfig(_Frozen):
    """The node's one detector process (models loaded once, shared by every camera)."""

    enabled: bool = Field(True, description="serve every camera from one detector process; off: a model per camera")
    max_pending: int = Field(16, ge=1, le=1024, description="requests waiting beyond this: the busiest camera's oldest is dropped")
    max_wait_s: float = Field(1.0, gt=0, le=30, description="a request waiting longer is dropped (its camera moved on)")
    budget_runs_per_s: float = Field(10, gt=0, le=1000, description="model runs per camera-second before a camera yields to others")


class WorkersConfig(_Frozen):
    """How camera workers map onto processes."""

    cameras_per_process: int = Field(4, ge=1, le=32, description=(
        "cameras sharing one worker process (each on its own threads): the libraries a worker loads are then "
        "paid once per group, not per camera (~56 MB RSS per camera at 4 vs ~180 MB at 1); a changed or "
        "removed camera restarts alone inside its group; a crash of the process restarts its whole group "
        "(after ~1 s), which recovers and indexes the segments its cameras were writing"))


class ServerConfig(_Frozen):
    """The web API and UI."""

    host: str = Field("127.0.0.1", description="listen address; keep loopback unless behind a firewall")
    port: int = Field(8000, ge=1, le=65535)
    session_hours: float = Field(8, gt=0, le=168, description="login sessions expire after this long")
    trusted_proxies: list[str] = Field(default_factory=list, max_length=16, description=(
        "addresses of reverse proxies whose X-Forwarded-For/-Proto are believed; empty = none "
        "(the client address is the TCP peer)"))
    max_active_requests: int = Field(16, ge=1, le=1024, description=(
        "API requests handled at once; more wait in a queue (the database pool is sized from this)"))
    queue_timeout_s: float = Field(1.0, ge=0, le=60, description=(
        "longest wait in that queue; then 503 server.busy with Retry-After (/health never queues)"))
    workers: int = Field(1, ge=1, le=16, description=(
        "web processes accepting on the port (each its own event loop, GIL, admission slots and pool); "
        "cameras, storage and maintenance run in the first one (vms.web_processes)"))


class SourcesConfig(_Frozen):
    """What camera sources may make the server open (vms.sources): hosts, local files, scenes."""

    camera_networks: list[str] = Field(default_factory=list, max_length=256, description=(
        "the site's camera subnets, e.g. [192.168.1.0/24]; empty = any address except loopback, link-local, "
        "multicast, which are refused unless a listed network contains them"))
    media_dirs: list[Path] = Field(default_factory=list, max_length=32, description=(
        "folders file cameras may read, besides DIR/media"))
    scene_dirs: list[Path] = Field(default_factory=list, max_length=32, description=(
        "folders of scene files simulated cameras may read, besides configs/scenes and $VMS_SCENE_DIR"))

    @field_validator("camera_networks")
    @classmethod
    def _networks(cls, networks: list[str]) -> list[str]:
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise PydanticCustomError("sources.bad_network", "{network} is not a network like 192.168.1.0/24",
                                          {"network": network[:64]}) from None
        return networks


SCAN_MB_LIMIT, MAP_MB_LIMIT = 100, 200  # the largest upload caps a site may configure


class ProgrammeConfig(_Frozen):
    """The commune programme's records: automatic maintenance tickets, upload caps, the review form."""

    superior_unit: str = Field("CÔNG AN TỈNH", max_length=120,
                               description="the unit above the commune police, first line of the report header")
    commune: str = Field("", max_length=120, description="commune name as written on reports, e.g. 'xã Tân Chi'")
    signer_title: str = Field("TRƯỞNG CÔNG AN XÃ", max_length=120, description="title in the report's signature block")
    document_code: str = Field("BC-CAX", max_length=32, description="the report number's suffix (Số: .../BC-CAX)")
    offline_ticket_after_min: float = Field(120, gt=0, le=7 * 24 * 60,
                                            description="a camera offline this long gets a maintenance ticket")
    tamper_ticket_after_min: float = Field(30, gt=0, le=7 * 24 * 60,
                                           description="a tamper alarm lasting this long gets a maintenance ticket")
    ticket_due_days: float = Field(7, gt=0, le=365, description="a ticket is overdue this long after it was opened")
    check_interval_s: float = Field(60, gt=0, le=3600, description="how often automatic tickets are checked")
    max_scan_mb: int = Field(10, ge=1, le=SCAN_MB_LIMIT, description="largest agreement scan accepted")
    max_map_mb: int = Field(20, ge=1, le=MAP_MB_LIMIT, description="largest site map image accepted")


class SiteConfig(_Frozen):
    """The whole site: one file per deployment."""

    site_name: str = Field("Công an xã", max_length=120)
    timezone: str = Field(DEFAULT_TIMEZONE, description="local time zone for display and reports")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in the data dir")
    data_dir: Path | None = Field(None, description="state folder; overridden by --data")
    keys_dir: Path | None = Field(None, description="folder of the camera-credential and evidence signing keys "
                                                    "(default DIR/keys); back it up apart from the data")
    server: ServerConfig = ServerConfig()
    recording: RecordingConfig = RecordingConfig()
    storage: StorageConfig = StorageConfig()
    detector_service: DetectorServiceConfig = DetectorServiceConfig()
    alarms: AlarmsConfig = Field(AlarmsConfig(), description="which event types are alarms (banner, sound), by hour")
    workers: WorkersConfig = WorkersConfig()
    sources: SourcesConfig = SourcesConfig()
    programme: ProgrammeConfig = ProgrammeConfig()
    cameras: list[CameraConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_camera_ids(self) -> "SiteConfig":
        seen: set[str] = set()
        for index, camera in enumerate(self.cameras):
            if camera.id in seen:
                raise ValueError(f"cameras.{index}.id: duplicate camera id {camera.id!r}")
            if camera.retention_days < self.storage.min_retention_days:
                raise ValueError(f"cameras.{index}.retention_days: below storage.min_retention_days "
                                 f"({self.storage.min_retention_days:g})")
            seen.add(camera.id)
        return self


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{key}: {item['msg']}")
    return "; ".join(lines)


def parse_config(data: object, origin: str = "<config>") -> SiteConfig:
    """Validate already-parsed YAML data; raise ConfigError naming the bad key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of keys, got {type(data).__name__}")
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{origin}: {_describe(error)}") from None


def load_config(path: Path | str) -> SiteConfig:
    """Read and validate a YAML config file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config file ({error.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None
    return parse_config(data, origin=str(path))
