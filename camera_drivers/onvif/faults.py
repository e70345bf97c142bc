"""Turn whatever the ONVIF stack raised into one of the driver's plain-language errors.

The stack is onvif-zeep-async over zeep over aiohttp: failures arrive as aiohttp connection
errors, asyncio timeouts, zeep ``Fault``/``TransportError``, ``ValueError`` from zeep's parser
(ipycam's undeclared ``ptz:`` prefix), or any of these wrapped in ``onvif.exceptions.ONVIFError``.
Messages are built from the operation, host and port only, never from the credentials.
"""

from __future__ import annotations

import errno
import os

import aiohttp
import httpx
import zeep.exceptions

from camera_drivers.onvif.errors import (
    OnvifAuthError,
    OnvifError,
    OnvifProtocolError,
    OnvifUnreachable,
    PtzNotSupported,
)

# Fault subcodes and texts that mean "wrong user name or password" across vendors
# (ONVIF ter:NotAuthorized, WS-Security wsse:FailedAuthentication, Hikvision/Dahua wording).
_AUTH_WORDS = ("notauthorized", "not authorized", "unauthorized", "failedauthentication", "authority failure")
# Fault subcodes and texts that mean "this camera does not do that".
_UNSUPPORTED_WORDS = ("actionnotsupported", "not supported", "nosuchservice", "noptzprofile", "notsupported")

# OS connection errors worth their own words for an installer; others are "connect" with the OS text.
_ERRNO_REASONS = {errno.ECONNREFUSED: "refused", errno.EHOSTUNREACH: "no_route", errno.ENETUNREACH: "no_route",
                  errno.ETIMEDOUT: "timeout_connect", errno.ECONNRESET: "reset"}

_WRONG_PASSWORD = (
    "The camera at {where} refused the user name or password. Check them (they are case-sensitive); "
    "some cameras lock the account for a while after several wrong tries."
)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and its __cause__/__context__ chain (ONVIFError wraps the real error)."""
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10 and not any(cur is c for c in chain):
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    return chain


def _fault_words(fault: zeep.exceptions.Fault) -> str:
    subcodes = " ".join(str(getattr(s, "localname", s)) for s in (fault.subcodes or []))
    return f"{fault.code or ''} {subcodes} {fault.message or ''}".lower()


def _unreachable(where: str, what: str, exc: BaseException, timeout_s: float) -> OnvifUnreachable:
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return OnvifUnreachable(
            f"The camera at {where} did not answer ({what}) within {timeout_s:g} s. "
            "Check that it is powered, plugged into this switch, and that the IP address is right.",
            "timeout", where=where, what=what, timeout_s=timeout_s,
        )
    # The OS reason ("Connection refused", "No route to host") sits somewhere in the chain;
    # aiohttp.ClientConnectorError keeps it in .os_error.
    found = [getattr(c, "os_error", c) for c in _causes(exc)]
    errnos = [c.errno for c in found if isinstance(c, OSError) and c.errno]
    reason = os.strerror(errnos[0]) if errnos else type(exc).__name__
    return OnvifUnreachable(
        f"Cannot connect to the camera at {where} ({reason}). "
        "Check the IP address and port, the cable, and that the camera is powered.",
        _ERRNO_REASONS.get(errnos[0], "connect") if errnos else "connect", where=where, error=reason,
    )


def to_onvif_error(
    exc: BaseException, where: str, what: str, timeout_s: float, ptz: bool = False
) -> OnvifError:
    """Classify ``exc`` raised while doing ``what`` (e.g. "GetProfiles") against ``where``."""
    for cause in _causes(exc):
        if isinstance(cause, OnvifError):
            return cause
        if isinstance(cause, (TimeoutError, httpx.TimeoutException)):
            return _unreachable(where, what, cause, timeout_s)
        if isinstance(cause, (aiohttp.ClientConnectionError, httpx.TransportError, OSError)):
            return _unreachable(where, what, cause, timeout_s)
        if type(cause).__name__ == "ONVIFAuthError":
            return _wrong_password(where)
        if isinstance(cause, zeep.exceptions.Fault):
            words = _fault_words(cause)
            if any(w in words for w in _AUTH_WORDS):
                return _wrong_password(where)
            if ptz and any(w in words for w in _UNSUPPORTED_WORDS):
                return PtzNotSupported(f"The camera at {where} does not support {what}.", "operation",
                                       where=where, what=what)
            return OnvifProtocolError(
                f"The camera at {where} refused {what}: {cause.message or 'no reason given'}.",
                "fault", where=where, what=what, fault=cause.message or "",
            )
        if isinstance(cause, zeep.exceptions.TransportError):
            if cause.status_code in (401, 403):
                return _wrong_password(where)
            return OnvifProtocolError(f"The camera at {where} answered {what} with HTTP {cause.status_code}.",
                                      "http_status", where=where, what=what, status=cause.status_code)
        if isinstance(cause, (ValueError, zeep.exceptions.Error)):
            # zeep could not read the reply against the ONVIF schema (e.g. ipycam's PTZ status,
            # configurations and presets use a namespace prefix they never declare).
            msg = f"The camera at {where} sent a reply to {what} that is not valid ONVIF XML"
            return (
                PtzNotSupported(msg + ", so this feature cannot be used.", "bad_reply", where=where, what=what)
                if ptz
                else OnvifProtocolError(msg + ".", "bad_reply", where=where, what=what)
            )
    return OnvifProtocolError(
        f"Unexpected failure talking to the camera at {where} ({what}): {type(exc).__name__}.",
        "unexpected", where=where, what=what, error=type(exc).__name__,
    )


def _wrong_password(where: str) -> OnvifAuthError:
    return OnvifAuthError(_WRONG_PASSWORD.format(where=where), "wrong_password", where=where)
