"""Classification of ONVIF-stack failures into the driver's errors (no network)."""

from __future__ import annotations

import pytest
import zeep.exceptions
from lxml.etree import QName
from onvif.exceptions import ONVIFAuthError, ONVIFError

from camera_drivers.onvif.errors import (
    NotOnvifDevice,
    OnvifAuthError,
    OnvifProtocolError,
    OnvifUnreachable,
    PtzNotSupported,
)
from camera_drivers.onvif.faults import to_onvif_error

TER = "http://www.onvif.org/ver10/error"


def _wrapped(inner: Exception) -> ONVIFError:
    """What onvif-zeep-async raises: ONVIFError from the real error."""
    try:
        try:
            raise inner
        except Exception as err:
            raise ONVIFError(err) from err
    except ONVIFError as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "ptz", "kind", "words"),
    [
        (
            zeep.exceptions.Fault("Sender not authorized"),
            False,
            OnvifAuthError,
            "refused the user name or password",
        ),
        (
            zeep.exceptions.Fault("x", subcodes=[QName(TER, "NotAuthorized")]),
            False,
            OnvifAuthError,
            "user name",
        ),
        (
            zeep.exceptions.Fault(
                "The security token could not be authenticated or authorized",
                code="wsse:FailedAuthentication",
            ),
            False,
            OnvifAuthError,
            "user name",
        ),
        (zeep.exceptions.TransportError("HTTP 401", status_code=401), False, OnvifAuthError, "user name"),
        (ONVIFAuthError("bad"), False, OnvifAuthError, "user name"),
        (_wrapped(zeep.exceptions.Fault("Sender not authorized")), False, OnvifAuthError, "user name"),
        (
            zeep.exceptions.Fault(
                "Optional Action Not Implemented", subcodes=[QName(TER, "ActionNotSupported")]
            ),
            True,
            PtzNotSupported,
            "does not support",
        ),
        (
            zeep.exceptions.Fault("Action not supported: GetPresets"),
            True,
            PtzNotSupported,
            "does not support",
        ),
        (
            zeep.exceptions.Fault("Action not supported: GetPresets"),
            False,
            OnvifProtocolError,
            "refused GetProfiles",
        ),
        (
            zeep.exceptions.Fault("Invalid token"),
            True,
            OnvifProtocolError,
            "refused GetProfiles: Invalid token.",
        ),
        (zeep.exceptions.TransportError("HTTP 500", status_code=500), False, OnvifProtocolError, "HTTP 500"),
        (ValueError("Invalid tag name 'ptz:PTZStatus'"), True, PtzNotSupported, "not valid ONVIF XML"),
        (
            _wrapped(ValueError("Invalid tag name 'tptz:Preset'")),
            True,
            PtzNotSupported,
            "not valid ONVIF XML",
        ),
        (ValueError("Invalid tag name 'tt:Profile'"), False, OnvifProtocolError, "not valid ONVIF XML"),
        (TimeoutError(), False, OnvifUnreachable, "did not answer (GetProfiles) within 2.5 s"),
        (ConnectionRefusedError(111, "Connect call failed"), False, OnvifUnreachable, "(Connection refused)"),
        (OSError(113, "Connect call failed"), False, OnvifUnreachable, "(No route to host)"),
        (_wrapped(OSError(113, "x")), False, OnvifUnreachable, "(No route to host)"),
        (NotOnvifDevice("already classified"), False, NotOnvifDevice, "already classified"),
        (KeyError("surprise"), False, OnvifProtocolError, "Unexpected failure"),
    ],
    ids=[
        "fault-text",
        "ter-notauthorized",
        "wsse-failed",
        "http-401",
        "lib-auth",
        "wrapped-auth",
        "ptz-action-not-supported",
        "ptz-text-not-supported",
        "not-ptz-unsupported-is-protocol",
        "ptz-other-fault",
        "http-500",
        "ptz-bad-xml",
        "ptz-bad-xml-wrapped",
        "bad-xml",
        "timeout",
        "refused",
        "no-route",
        "wrapped-oserror",
        "already-ours",
        "unknown",
    ],
)
def test_to_onvif_error(exc: Exception, ptz: bool, kind: type, words: str) -> None:
    err = to_onvif_error(exc, "10.0.0.5:80", "GetProfiles", 2.5, ptz=ptz)
    assert type(err) is kind
    assert words in str(err)
