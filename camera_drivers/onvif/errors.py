"""Errors an installer can act on.

Every ONVIF failure the driver raises is an ``OnvifError`` subclass whose message says what
happened and what to check, in plain words. Messages never contain a password: they are built
here from the host, port and operation only, never from the credentials or from a URL that
could carry them.
"""

from __future__ import annotations


class OnvifError(Exception):
    """Base class: the camera could not be used over ONVIF.

    `code` names the kind (class attribute), `reason` the case within it (e.g. "timeout"), and
    `params` the values the message was built from (host:port, operation, seconds), so a UI can
    word the same error in another language. None of them ever holds a credential.
    """

    code: str = "onvif_error"

    def __init__(self, message: str, reason: str = "", **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


class OnvifUnreachable(OnvifError):
    """Nothing answered at that address and port in time (host down, wrong IP, port closed)."""

    code = "unreachable"


class OnvifAuthError(OnvifError):
    """The camera answered but refused the user name or password."""

    code = "auth_failed"


class NotOnvifDevice(OnvifError):
    """Something answers HTTP at that address, but it does not speak ONVIF SOAP."""

    code = "not_onvif"


class NoH264Profile(OnvifError):
    """The camera has media profiles, but none of them streams H.264."""

    code = "no_h264"


class PtzNotSupported(OnvifError):
    """The camera has no PTZ service, or not the PTZ feature asked for (e.g. presets)."""

    code = "ptz_not_supported"


class OnvifProtocolError(OnvifError):
    """The camera answered with an ONVIF fault or a reply the driver cannot use."""

    code = "protocol_error"


class SnapshotError(OnvifError):
    """The snapshot URL did not return a JPEG image."""

    code = "snapshot_failed"


def where(host: str, port: int) -> str:
    """Format ``host:port`` for messages (IPv6 hosts in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class HostileDevice(OnvifError):
    """The device named an address the VMS must not follow: another host, or a scheme other than
    rtsp/rtsps (streams) and http/https (snapshots, services). Credentials are never sent there."""

    code = "foreign_uri"


class BasicAuthRefused(OnvifError):
    """The camera asks for HTTP Basic over plain HTTP (the password in clear) and the installer has
    not allowed that for this camera."""

    code = "basic_auth_refused"
