"""ONVIF cameras in the service: which discovered devices are registered, and saving a probed one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from camera_drivers.onvif import DeviceProfile, DiscoveredDevice
from vms.db.models import Camera
from vms.secrets import CredentialVault


def registered_camera(session: Session, device: DiscoveredDevice | DeviceProfile) -> str | None:
    """The id of the camera already registered for a device (same endpoint uuid, or host and port)."""
    endpoints = set(device.endpoints) if isinstance(device, DiscoveredDevice) else set()
    rows = session.execute(select(Camera.id, Camera.onvif_endpoint, Camera.onvif_host, Camera.onvif_port))
    for camera_id, endpoint, host, port in rows:
        if (endpoint and endpoint in endpoints) or (host == device.host and port == device.port):
            return camera_id
    return None


def save_onvif_camera(
    session: Session,
    vault: CredentialVault,
    profile: DeviceProfile,
    *,
    camera_id: str,
    name: str,
    location: str,
    username: str,
    password: str,
    retention_days: float,
    endpoint: str | None,
    allow_basic_http: bool = False,
) -> Camera:
    """Store a probed camera: main stream recorded, sub stream for detection, password encrypted."""
    camera = Camera(
        id=camera_id,
        name=name,
        location=location,
        source_kind="rtsp",
        source_location=profile.main_uri,
        sub_location=profile.sub_uri if profile.sub_uri != profile.main_uri else None,
        transport="tcp",
        username=username or None,
        password_encrypted=vault.encrypt(password) if password else None,
        retention_days=retention_days,
        enabled=True,
        onvif_host=profile.host,
        onvif_port=profile.port,
        onvif_endpoint=endpoint,
        manufacturer=profile.info.manufacturer,
        model=profile.info.model,
        ptz_supported=profile.ptz_supported,
        snapshot_uri=profile.snapshot_uri,
        allow_basic_http=allow_basic_http,
    )
    session.add(camera)
    return camera
