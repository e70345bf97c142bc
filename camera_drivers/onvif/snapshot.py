"""Fetch a JPEG snapshot over HTTP with Basic or Digest auth (whichever the camera asks for).

The first request goes without credentials; the camera's 401 challenge decides the scheme.
Digest is preferred when offered. Basic over plain HTTP sends the password in the clear, so it is
used only over https or when the installer allowed it for this camera (`allow_basic`); redirects
are never followed, and with `device_host` the URL must be on the probed device's own host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from camera_drivers.onvif.errors import BasicAuthRefused, OnvifAuthError, SnapshotError, where
from camera_drivers.onvif.faults import to_onvif_error
from camera_drivers.onvif.trust import HTTP_SCHEMES, check_device_uri
from camera_drivers.onvif.uris import split_credentials

MAX_SNAPSHOT_BYTES = 20 * 1024 * 1024


def _auth_for(resp: httpx.Response, username: str, password: str, basic_ok: bool, at: str) -> httpx.Auth:
    schemes = " ".join(resp.headers.get_list("www-authenticate")).lower()
    if "digest" in schemes:
        return httpx.DigestAuth(username, password)
    if not basic_ok:
        raise BasicAuthRefused(
            f"The camera at {at} asks for its password in clear text (HTTP Basic without https). "
            "Allow Basic for this camera only if it offers nothing better, or enable Digest or https on it.",
            where=at)
    return httpx.BasicAuth(username, password)


async def fetch_snapshot(uri: str, username: str = "", password: str = "", timeout_s: float = 5.0,
                         allow_basic: bool = False, device_host: str | None = None) -> bytes:
    """The JPEG bytes at ``uri``. Credentials embedded in ``uri`` are used if none are given.

    ``device_host``: the host the camera was probed at; a URL elsewhere raises HostileDevice before
    any request. ``allow_basic``: HTTP Basic over plain http is allowed (per-camera opt-in).

    Raises OnvifAuthError (refused credentials), OnvifUnreachable, SnapshotError (not a JPEG,
    HTTP error, too large).
    """
    if device_host is not None:
        check_device_uri(uri, device_host, HTTP_SCHEMES, "snapshot")
    clean, uri_user, uri_password = split_credentials(uri)
    username, password = username or uri_user or "", password or uri_password or ""
    parts = urlsplit(clean)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SnapshotError("The snapshot URL is not an http(s) URL.", "not_http")
    at = where(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    try:
        # verify=False: cameras serve self-signed certificates; the LAN address is the identity.
        # trust_env=False: never route camera traffic through a proxy from the environment.
        async with httpx.AsyncClient(timeout=timeout_s, trust_env=False, verify=False) as http:
            resp = await http.get(clean)
            if resp.status_code == 401 and username:
                basic_ok = allow_basic or parts.scheme == "https"
                resp = await http.get(clean, auth=_auth_for(resp, username, password, basic_ok, at))
    except httpx.HTTPError as exc:
        raise to_onvif_error(exc, at, "the snapshot request", timeout_s) from exc
    if resp.status_code in (401, 403):
        if not username:
            raise OnvifAuthError(f"The camera at {at} needs a user name and password for snapshots.",
                                 "snapshot_needs_login", where=at)
        raise OnvifAuthError(f"The camera at {at} refused the user name or password for snapshots.",
                             "snapshot_refused", where=at)
    if resp.status_code != 200:
        raise SnapshotError(f"The camera at {at} answered the snapshot request with HTTP {resp.status_code}.",
                            "http_status", where=at, status=resp.status_code)
    data = resp.content
    if len(data) > MAX_SNAPSHOT_BYTES or not data.startswith(b"\xff\xd8"):
        raise SnapshotError(f"The camera at {at} did not return a JPEG image for the snapshot.", "not_jpeg",
                            where=at)
    return data
