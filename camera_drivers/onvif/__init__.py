"""ONVIF cameras: WS-Discovery, registration data (profiles, stream/snapshot URIs, clock), PTZ.

Public API (everything the service needs):

- ``ipv4_interfaces() -> list[(name, ip)]`` to pick the interface to probe from
- ``discover(interface_ip, timeout_s) -> list[DiscoveredDevice]`` (blocking; run in a thread)
- ``probe_device(address, port, username, password, timeout_s) -> DeviceProfile`` (async)
- ``set_stream_frame_rate(address, port, username, password, profile_token, fps)`` (async): the
  sub stream at the detect fps, where the camera allows SetVideoEncoderConfiguration
- ``OnvifCamera`` (async context manager) for repeated calls and ``await cam.ptz()`` -> ``Ptz``
- ``fetch_snapshot(uri, username, password, timeout_s) -> bytes`` (async, JPEG)
- ``split_credentials`` / ``strip_credentials`` / ``with_credentials`` for stream URIs
- errors: ``OnvifError`` and its subclasses, each with a ``code`` for the API

Command line (JSON output): ``python -m camera_drivers.onvif --help``.
"""

from camera_drivers.onvif.client import OnvifCamera, probe_device, set_stream_frame_rate
from camera_drivers.onvif.discovery import discover, ipv4_interfaces
from camera_drivers.onvif.errors import (
    BasicAuthRefused,
    HostileDevice,
    NoH264Profile,
    NotOnvifDevice,
    OnvifAuthError,
    OnvifError,
    OnvifProtocolError,
    OnvifUnreachable,
    PtzNotSupported,
    SnapshotError,
)
from camera_drivers.onvif.models import (
    ClockCheck,
    DeviceInfo,
    DeviceProfile,
    DiscoveredDevice,
    MediaProfile,
    PtzPreset,
)
from camera_drivers.onvif.ptz import Ptz
from camera_drivers.onvif.snapshot import fetch_snapshot
from camera_drivers.onvif.uris import split_credentials, strip_credentials, with_credentials

__all__ = [
    "BasicAuthRefused",
    "HostileDevice",
    "ClockCheck",
    "DeviceInfo",
    "DeviceProfile",
    "DiscoveredDevice",
    "MediaProfile",
    "NoH264Profile",
    "NotOnvifDevice",
    "OnvifAuthError",
    "OnvifCamera",
    "OnvifError",
    "OnvifProtocolError",
    "OnvifUnreachable",
    "Ptz",
    "PtzNotSupported",
    "PtzPreset",
    "SnapshotError",
    "discover",
    "fetch_snapshot",
    "ipv4_interfaces",
    "probe_device",
    "set_stream_frame_rate",
    "split_credentials",
    "strip_credentials",
    "with_credentials",
]
