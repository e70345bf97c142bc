"""Cameras: syncing the YAML config into the database, and building worker specs from rows."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from camera_drivers.stream import StreamSource
from detectors.objects.configs import SimulatedConfig, default_detector
from detectors.pipeline import PipelineConfig
from detectors.rules import DEFAULT_TIMEZONE, RulesConfig, default_rules
from vms.config import CameraConfig, DetectionSettings, FileSource, RecordingConfig, RtspSource, SimulatedSource
from vms.db.models import Camera
from vms.paths import DataPaths
from vms.runtime.live_analysis import AnalysisSpec
from vms.runtime.worker import WorkerSpec
from vms.secrets import CredentialVault


def sync_cameras(session: Session, cameras: list[CameraConfig], vault: CredentialVault) -> None:
    """Insert or update the configured cameras. Cameras added through the API are left alone."""
    for config in cameras:
        row = session.get(Camera, config.id) or Camera(id=config.id)
        apply_camera_config(row, config, vault)
        session.add(row)


def apply_camera_config(row: Camera, config: CameraConfig, vault: CredentialVault) -> None:
    """Copy a validated camera config onto its row (the password encrypted)."""
    row.name = config.name
    row.location = config.location
    row.enabled = config.enabled
    row.retention_days = config.retention_days
    row.detection = config.detection.model_dump(mode="json")
    row.analysis_stream = config.analysis_stream
    _apply_source(row, config.source, vault)


def _apply_source(row: Camera, source: RtspSource | FileSource | SimulatedSource, vault: CredentialVault) -> None:
    row.source_kind = source.type
    row.seed = 0
    row.loop = False
    row.username = None
    row.password_encrypted = None
    row.transport = "tcp"
    row.sub_location = None
    if isinstance(source, RtspSource):
        row.source_location = source.url
        row.sub_location = source.sub_url if source.sub_url != source.url else None
        row.transport = source.transport
        row.username = source.username
        if source.password is not None:
            row.password_encrypted = vault.encrypt(source.password.get_secret_value())
    elif isinstance(source, FileSource):
        row.source_location = str(source.path.resolve())
        row.sub_location = str(source.sub_path.resolve()) if source.sub_path is not None else None
        row.loop = source.loop
    else:
        row.source_location = source.scene
        row.sub_location = source.scene if source.sub else None
        row.seed = source.seed


def analysed_stream(camera: Camera) -> str:
    """"sub" when the camera's analysis reads its sub stream (then the main one is never decoded), else "main"."""
    if camera.analysis_stream == "main" or not camera.sub_location:
        return "main"
    return "sub"  # "auto" with a sub stream, or "sub"


def sub_stream_source(camera: Camera, vault: CredentialVault) -> StreamSource | None:
    """The camera's sub stream as an ingest source (same credentials), or None without one."""
    if not camera.sub_location:
        return None
    main = stream_source(camera, vault)
    location = camera.source_location if camera.source_kind == "sim" else camera.sub_location
    return dataclasses.replace(main, location=location, role="sub")


def stream_source(camera: Camera, vault: CredentialVault) -> StreamSource:
    """The ingest source for a camera row, with its password decrypted (kept out of repr/logs)."""
    password = vault.decrypt(camera.password_encrypted) if camera.password_encrypted else None
    return StreamSource(
        kind=camera.source_kind,  # type: ignore[arg-type]
        location=camera.source_location,
        transport=camera.transport,  # type: ignore[arg-type]
        username=camera.username,
        password=password,
        loop=camera.loop,
        seed=camera.seed,
        # Main and sub sessions of a simulated camera share one rendered scene on one clock.
        share_key=camera.id if camera.source_kind == "sim" else None,
    )


def analysis_spec(camera: Camera, settings: DetectionSettings | None, paths: DataPaths,
                   timezone: str = DEFAULT_TIMEZONE) -> AnalysisSpec | None:
    """Analysis settings of a camera; cameras without config (added through the API) get the defaults.

    The default detector is the simulated one for simulated cameras (a real model does not see
    drawn shapes) and NanoDet-g otherwise; the default rules need no geometry.
    """
    settings = settings or DetectionSettings()
    if not settings.enabled:
        return None
    detector = settings.detector or (
        SimulatedConfig(seed=camera.seed) if camera.source_kind == "sim" else default_detector())
    rules = settings.rules if settings.rules is not None else default_rules().rules
    return AnalysisSpec(
        pipeline=PipelineConfig(detector=detector), rules=RulesConfig(rules=rules, timezone=timezone),
        snapshots_root=paths.snapshots.resolve(), live_frames_root=paths.live_frames.resolve(),
        detect_fps=settings.detect_fps, every_n_frames=settings.every_n_frames,
        queue_frames=settings.queue_frames, pre_roll_s=settings.pre_roll_s, post_roll_s=settings.post_roll_s,
    )


def _detection_settings(camera: Camera, configured: dict[str, DetectionSettings]) -> DetectionSettings | None:
    """The row's settings (set from the config file or through the API), else the config file's."""
    if camera.detection is not None:
        return DetectionSettings.model_validate(camera.detection)
    return configured.get(camera.id)


def camera_detect_fps(camera: Camera | None, configured: list[CameraConfig] | None = None) -> float:
    """The rate a camera is analysed at (its detection settings, else the default): what its sub
    stream needs, no more. `camera` None: a camera not registered yet (the default)."""
    settings = _detection_settings(camera, {c.id: c.detection for c in configured or []}) if camera else None
    return (settings or DetectionSettings()).detect_fps


def worker_specs(
    session: Session, vault: CredentialVault, paths: DataPaths, database_url: str, recording: RecordingConfig,
    configured: list[CameraConfig] | None = None, timezone: str = DEFAULT_TIMEZONE,
) -> list[WorkerSpec]:
    cameras = session.scalars(select(Camera).where(Camera.enabled).order_by(Camera.id))
    detection = {c.id: c.detection for c in configured or []}
    return [
        WorkerSpec(
            camera_id=camera.id,
            source=stream_source(camera, vault),
            database_url=database_url,
            recordings_root=paths.recordings.resolve(),
            segment_seconds=recording.segment_seconds,
            open_timeout_s=recording.open_timeout_s,
            read_timeout_s=recording.read_timeout_s,
            backoff_initial_s=recording.backoff_initial_s,
            backoff_max_s=recording.backoff_max_s,
            analysis=(analysis := analysis_spec(camera, _detection_settings(camera, detection), paths, timezone)),
            sub_source=sub_stream_source(camera, vault) if analysis is not None and analysed_stream(camera) == "sub"
            else None,
            live_dir=paths.live_frames.resolve(),
        )
        for camera in cameras
    ]
