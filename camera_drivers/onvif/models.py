"""Result types of the ONVIF driver (immutable, JSON-serialisable with ``model_dump(mode="json")``).

None of these types ever holds a password: credentials are inputs to the driver calls only, and
URIs are returned with any embedded ``user:password@`` removed.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiscoveredDevice(_Frozen):
    """One device found by a WS-Discovery probe (replies merged per device)."""

    endpoint: str = Field(description="Smallest endpoint reference (usually urn:uuid:...); '' if none")
    endpoints: tuple[str, ...] = Field(description="All endpoint references that announced this device")
    xaddrs: tuple[str, ...] = Field(description="ONVIF device-service URLs the device advertised")
    xaddr: str = Field(description="The preferred device-service URL (IPv4 http, same host as the reply)")
    host: str = Field(description="Host part of xaddr")
    port: int = Field(ge=1, le=65535, description="Port part of xaddr")
    source_ip: str = Field(description="IP address the reply came from")
    scopes: tuple[str, ...] = Field(description="All scope URIs, as sent")
    name: str | None = Field(description="onvif://www.onvif.org/name/... scope, URL-decoded")
    hardware: str | None = Field(description="onvif://www.onvif.org/hardware/... scope, URL-decoded")
    location: str | None = Field(description="onvif://www.onvif.org/location/... scopes, URL-decoded, joined")
    types: tuple[str, ...] = Field(
        description="Advertised WS-Discovery types, e.g. dn:NetworkVideoTransmitter"
    )

    @property
    def key(self) -> str:
        """Stable identity: the endpoint uuid, else host:port.

        To tell whether a camera is already registered, match its stored endpoint against
        ``endpoints`` or its stored ONVIF host and port against ``host``/``port`` (a camera
        that was reset gets a new uuid but usually keeps its address, and vice versa).
        """
        return self.endpoint or f"{self.host}:{self.port}"


class DeviceInfo(_Frozen):
    """GetDeviceInformation."""

    manufacturer: str = Field(description="Manufacturer")
    model: str = Field(description="Model")
    firmware: str = Field(description="Firmware version")
    serial: str = Field(description="Serial number")
    hardware_id: str = Field(description="Hardware id")


class MediaProfile(_Frozen):
    """One media profile (GetProfiles, Media service ver10) reduced to what registration needs."""

    token: str = Field(min_length=1, description="Profile token used in later calls")
    name: str = Field(description="Profile name shown by the camera")
    encoding: str | None = Field(
        description="Video encoding as reported: H264, JPEG, MPEG4, H265; None if absent"
    )
    width: int = Field(ge=0, le=16384, description="Encoded width in pixels; 0 if unknown")
    height: int = Field(ge=0, le=16384, description="Encoded height in pixels; 0 if unknown")
    fps: float | None = Field(ge=0, description="Frame-rate limit; None if unknown")
    has_ptz: bool = Field(description="The profile carries a PTZ configuration")


class ClockCheck(_Frozen):
    """The camera clock compared with the server clock (GetSystemDateAndTime)."""

    camera_utc: datetime | None = Field(description="Camera UTC time; None if it reported none")
    server_utc: datetime = Field(description="Server UTC time at the middle of the request")
    drift_s: float | None = Field(description="camera minus server, seconds; None if unknown")
    threshold_s: float = Field(gt=0, description="Drift above which warn is set")
    warn: bool = Field(description="abs(drift_s) > threshold_s, or the camera reported no UTC time")


class DeviceProfile(_Frozen):
    """Everything registration needs from one camera, without credentials."""

    xaddr: str = Field(description="Device-service URL used")
    host: str = Field(description="Camera host")
    port: int = Field(ge=1, le=65535, description="Camera ONVIF port")
    info: DeviceInfo
    profiles: tuple[MediaProfile, ...] = Field(description="All media profiles, as the camera listed them")
    main: MediaProfile = Field(description="Highest-resolution H.264 profile: recorded")
    sub: MediaProfile = Field(description="Lowest-resolution H.264 profile: used for detection")
    main_uri: str = Field(description="RTSP URI of the main profile, without credentials")
    sub_uri: str = Field(description="RTSP URI of the sub profile, without credentials")
    snapshot_uri: str | None = Field(description="Snapshot URI of the main profile; None if unsupported")
    clock: ClockCheck
    ptz_supported: bool = Field(
        description="A PTZ service exists and the main profile has a PTZ configuration"
    )
    warnings: tuple[str, ...] = Field(description="Plain-language warnings for the installer")


class PtzPreset(_Frozen):
    """A stored PTZ position."""

    token: str = Field(min_length=1, description="Preset token")
    name: str = Field(description="Preset name")
