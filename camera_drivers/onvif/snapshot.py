"""Fetch a JPEG snapshot over HTTP with Basic or Digest auth (whichever the camera asks for).

The first request goes without credentials; the camera's 401 challenge decides the scheme.
Digest is preferred when offered, so on plain-HTTP LANs the password is sent in the clear
(Basic) only to cameras that accept nothing else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from camera_drivers.onvif.errors import OnvifAuthError, SnapshotError, where
from camera_drivers.onvif.faults import to_onvif_error
from camera_drivers.onvif.uris import split_credentials

MAX_SNAPSHOT_BYTES = 20 * 1024 * 1024


def _auth_for(resp: httpx.Response, username: str, password: str) -> httpx.Auth:
    schemes = " ".join(resp.headers.get_list("www-authenticate")).lower()
    return (
        httpx.DigestAuth(username, password) if "digest" in schemes else httpx.BasicAuth(username, password)
    )


async def fetch_snapshot(uri: str, username: str = "", password: str = "", timeout_s: float = 5.0) -> bytes:
    """The JPEG bytes at ``uri``. Credentials embedded in ``uri`` are used if none are given.

    Raises OnvifAuthError (refused credentials), OnvifUnreachable, SnapshotError (not a JPEG,
    HTTP error, too large).
    """
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
                resp = await http.get(clean, auth=_auth_for(resp, username, password))
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
