"""Every ONVIF device is hostile until proven otherwise: the URIs it returns are checked here.

Cameras in a commune programme belong to households and shops. A device controls what it answers
to GetServices, GetStreamUri and GetSnapshotUri, so without checks it could make the server fetch
another camera's footage (`file:`), an internal service (`http://127.0.0.1/...`), or send the
camera's credentials to a host of its choosing. The rule: a device-supplied URI must use an allowed
scheme and point at the SAME host the installer probed; anything else is refused before any
request carries credentials.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from camera_drivers.onvif.errors import HostileDevice
from camera_drivers.onvif.uris import strip_credentials

STREAM_SCHEMES = ("rtsp", "rtsps")
HTTP_SCHEMES = ("http", "https")


def _addresses(host: str) -> set[str]:
    """The IP addresses a host name stands for (the literal itself for an IP address)."""
    host = host.strip("[]").lower()
    try:
        return {str(ipaddress.ip_address(host))}
    except ValueError:
        pass
    try:
        return {info[4][0] for info in socket.getaddrinfo(host, None)} | {host}
    except OSError:
        return {host}


def same_host(uri_host: str, device_host: str) -> bool:
    """True when `uri_host` is the device's host: same name, or a literal address of it."""
    uri_host, device_host = uri_host.strip("[]").lower(), device_host.strip("[]").lower()
    if uri_host == device_host:
        return True
    try:
        literal = str(ipaddress.ip_address(uri_host))
    except ValueError:
        return False  # a different name: never resolved, a device must not steer DNS look-ups
    return literal in _addresses(device_host)


def check_device_uri(uri: str, device_host: str, schemes: tuple[str, ...], what: str) -> str:
    """`uri` without credentials if it uses one of `schemes` on the device's own host, else HostileDevice."""
    clean = strip_credentials(uri)
    parts = urlsplit(clean)
    shown = clean[:200]
    if parts.scheme.lower() not in schemes:
        raise HostileDevice(
            f"The device at {device_host} gave a {what} address with scheme {parts.scheme or 'none'!r} "
            f"({shown}); only {' or '.join(schemes)} is accepted. This device cannot be registered.",
            "scheme", where=device_host, what=what, uri=shown)
    if not parts.hostname or not same_host(parts.hostname, device_host):
        raise HostileDevice(
            f"The device at {device_host} gave a {what} address on another host ({shown}). The VMS only "
            "connects to the camera it probed and never sends the camera's credentials elsewhere.",
            "other_host", where=device_host, what=what, uri=shown)
    return clean


def check_service_addresses(xaddrs: dict[str, str | None], device_host: str) -> None:
    """The SOAP service addresses a device reported (GetServices / GetCapabilities) must be its own."""
    for xaddr in xaddrs.values():
        if xaddr:
            check_device_uri(xaddr, device_host, HTTP_SCHEMES, "service")
