"""ONVIF device client: device info, profiles, stream and snapshot URIs, clock, PTZ.

Built on onvif-zeep-async (maintained fork of onvif-zeep, WSDLs bundled, so it works offline).
Every call is bounded by ``timeout_s`` and every failure becomes an ``OnvifError`` subclass
with an installer-readable message (see ``faults``). Before the SOAP client is built, one plain
HTTP POST checks that the address speaks ONVIF SOAP at all, so "wrong port / not a camera"
is told apart from "wrong password" and "host down".

Credentials are held only by the underlying library client (WS-UsernameToken PasswordDigest:
the password itself never goes on the wire) and are never logged or put in a message.

Usage (the service awaits it from its async routes)::

    async with OnvifCamera.from_xaddr("http://10.0.0.5/onvif/device_service", "admin", pw) as cam:
        profile = await cam.probe()
        ptz = await cam.ptz()
        await ptz.continuous_move(0.5, 0.0, 0.0)
"""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from collections.abc import Awaitable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from camera_drivers.onvif.clock import DEFAULT_DRIFT_WARN_S, camera_utc_from_reply, compare_clock
from camera_drivers.onvif.errors import NotOnvifDevice, OnvifError, PtzNotSupported, where
from camera_drivers.onvif.faults import to_onvif_error
from camera_drivers.onvif.models import ClockCheck, DeviceInfo, DeviceProfile, MediaProfile
from camera_drivers.onvif.ptz import Ptz
from camera_drivers.onvif.selection import select_streams
from camera_drivers.onvif.trust import HTTP_SCHEMES, STREAM_SCHEMES, check_device_uri, check_service_addresses
from camera_drivers.onvif.uris import strip_credentials


def _import_onvif() -> Any:
    """Import onvif-zeep-async without letting it configure the application's logging.

    The library calls ``logging.basicConfig(level=INFO)`` at import time; when the root logger
    had no handler yet, that would silently decide the service's log format and level.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import onvif

    root.handlers[:] = handlers
    root.setLevel(level)
    return onvif


_onvif = _import_onvif()
logger = logging.getLogger(__name__)
T = TypeVar("T")

PTZ_NS = "http://www.onvif.org/ver20/ptz/wsdl"
_SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
_DATE_PROBE = (
    f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{_SOAP_ENV}">'
    '<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>'
)


def _is_soap_envelope(body: bytes) -> bool:
    try:
        return ET.fromstring(body).tag.endswith("}Envelope")
    except ET.ParseError:
        return False


class OnvifCamera:
    """One ONVIF camera session; use as ``async with`` (connects on enter, closes on exit)."""

    def __init__(
        self,
        host: str,
        port: int = 80,
        username: str = "",
        password: str = "",
        timeout_s: float = 5.0,
        drift_warn_s: float = DEFAULT_DRIFT_WARN_S,
        path: str = "/onvif/device_service",
    ) -> None:
        if not 0.2 <= timeout_s <= 120:
            raise ValueError("timeout_s must be between 0.2 and 120 seconds")
        if not 1 <= port <= 65535:
            raise ValueError("port must be 1..65535")
        self.host, self.port, self.timeout_s, self.drift_warn_s = host, port, timeout_s, drift_warn_s
        self.where = where(host, port)
        self.xaddr = f"http://{self.where}{path}"
        self._username = username
        self._password = password
        self._lib: Any = None  # onvif.ONVIFCamera once connected

    @classmethod
    def from_xaddr(cls, xaddr: str, username: str = "", password: str = "", **kwargs: Any) -> OnvifCamera:
        """From a device-service URL such as a discovered ``DiscoveredDevice.xaddr``.

        The URL's path is used for the reachability check; the SOAP client (onvif-zeep-async)
        always starts at ``/onvif/device_service`` and then follows the service addresses the
        camera reports; that is the path the ONVIF spec recommends and most cameras use.
        """
        parts = urlsplit(strip_credentials(xaddr))
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("xaddr must be an http:// ONVIF device-service URL")
        return cls(
            parts.hostname,
            parts.port or 80,
            username,
            password,
            path=parts.path or "/onvif/device_service",
            **kwargs,
        )

    def __repr__(self) -> str:  # never show the credentials
        return f"OnvifCamera({self.xaddr!r}, user={'set' if self._username else 'none'})"

    async def __aenter__(self) -> OnvifCamera:
        try:
            await self.connect()
        except BaseException:
            await self.close()  # a half-built library client holds open HTTP sessions
            raise
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _run(self, what: str, awaitable: Awaitable[T], ptz: bool = False) -> T:
        """Await one ONVIF operation within ``timeout_s``; map any failure to an OnvifError."""
        try:
            return await asyncio.wait_for(awaitable, self.timeout_s)
        except OnvifError:
            raise
        except Exception as exc:  # classified, never swallowed
            err = to_onvif_error(exc, self.where, what, self.timeout_s, ptz=ptz)
            logger.info("ONVIF %s at %s failed: %s", what, self.where, type(err).__name__)
            raise err from exc

    async def _preflight(self) -> None:
        """One unauthenticated GetSystemDateAndTime POST: is this an ONVIF SOAP endpoint at all?

        Any SOAP envelope (an answer or a fault such as "not authorized") means ONVIF. A bare
        401/403 also passes: some cameras guard the SOAP endpoint with HTTP auth, and the next
        call will tell whether the credentials are right.
        """
        headers = {"Content-Type": "application/soap+xml; charset=utf-8"}
        async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False, trust_env=False) as http:
            resp = await self._run(
                "a connection test", http.post(self.xaddr, content=_DATE_PROBE, headers=headers)
            )
        if _is_soap_envelope(resp.content) or resp.status_code in (401, 403):
            return
        kind = resp.headers.get("content-type", "unknown content").split(";")[0]
        raise NotOnvifDevice(
            f"Something answers at {self.where}, but it is not an ONVIF camera "
            f"(HTTP {resp.status_code}, {kind}). Check the ONVIF port (often 80, 8000, 8080 or 8899) "
            "and that ONVIF is enabled in the camera's web page.",
            "not_soap", where=self.where, status=resp.status_code, content_type=kind,
        )

    async def connect(self) -> None:
        """Check the endpoint, then build the SOAP client and read the service addresses."""
        await self._preflight()
        # adjust_time: sign WS-UsernameToken with the camera's clock, so a camera whose clock
        # is wrong can still be registered (its drift is then reported, and can be fixed).
        self._lib = _onvif.ONVIFCamera(
            self.host, self.port, self._username, self._password, no_cache=True, adjust_time=True
        )
        await self._run("the service list", self._lib.update_xaddrs())
        # A hostile device may name another host for its media/PTZ services: never follow it there.
        check_service_addresses(dict(getattr(self._lib, "xaddrs", {}) or {}), self.host)

    async def close(self) -> None:
        """Close the HTTP sessions; best effort, so it never hides the error that led here."""
        if self._lib is not None:
            lib, self._lib = self._lib, None
            try:
                await asyncio.wait_for(lib.close(), self.timeout_s)
            except Exception as exc:  # noqa: BLE001 (closing sockets; nothing to recover)
                logger.debug("closing ONVIF client for %s: %s", self.where, type(exc).__name__)

    async def _service(self, kind: str) -> Any:
        if self._lib is None:
            raise RuntimeError("OnvifCamera is not connected; use 'async with'")
        return await self._run(f"the {kind} service", getattr(self._lib, f"create_{kind}_service")())

    async def device_info(self) -> DeviceInfo:
        dev = await self._service("devicemgmt")
        r = await self._run("GetDeviceInformation", dev.GetDeviceInformation())
        return DeviceInfo(
            manufacturer=r.Manufacturer or "",
            model=r.Model or "",
            firmware=r.FirmwareVersion or "",
            serial=r.SerialNumber or "",
            hardware_id=r.HardwareId or "",
        )

    async def clock(self) -> ClockCheck:
        """Camera UTC clock minus server UTC clock (server time taken mid-request)."""
        dev = await self._service("devicemgmt")
        before = datetime.now(UTC)
        reply = await self._run("GetSystemDateAndTime", dev.GetSystemDateAndTime())
        after = datetime.now(UTC)
        return compare_clock(camera_utc_from_reply(reply), before + (after - before) / 2, self.drift_warn_s)

    async def profiles(self) -> list[MediaProfile]:
        media = await self._service("media")
        return [_to_profile(p) for p in await self._run("GetProfiles", media.GetProfiles())]

    async def stream_uri(self, token: str) -> str:
        """RTSP URI of a profile (RTP over RTSP, unicast), without credentials."""
        media = await self._service("media")
        setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
        reply = await self._run(
            "GetStreamUri", media.GetStreamUri({"ProfileToken": token, "StreamSetup": setup})
        )
        return check_device_uri(reply.Uri or "", self.host, STREAM_SCHEMES, "stream")

    async def snapshot_uri(self, token: str) -> str | None:
        """Snapshot URI of a profile, without credentials; None if the camera has none."""
        media = await self._service("media")
        try:
            reply = await self._run("GetSnapshotUri", media.GetSnapshotUri({"ProfileToken": token}))
        except OnvifError as err:
            if err.code in ("auth_failed", "unreachable"):
                raise
            return None
        if not getattr(reply, "Uri", None):
            return None
        return check_device_uri(reply.Uri, self.host, HTTP_SCHEMES, "snapshot")

    @property
    def has_ptz_service(self) -> bool:
        return self._lib is not None and PTZ_NS in self._lib.xaddrs

    async def ptz(self, profile_token: str | None = None) -> Ptz:
        """PTZ control bound to ``profile_token`` (default: the main profile).

        Raises PtzNotSupported when the camera has no PTZ service or the profile no PTZ
        configuration.
        """
        if not self.has_ptz_service:
            raise PtzNotSupported(f"The camera at {self.where} has no PTZ (pan/tilt/zoom) service.", "no_service",
                                  where=self.where)
        profiles = await self.profiles()
        if profile_token is None:
            profile_token = select_streams(profiles, f"The camera at {self.where}")[0].token
        chosen = next((p for p in profiles if p.token == profile_token), None)
        if chosen is None or not chosen.has_ptz:
            raise PtzNotSupported(
                f"The camera at {self.where} has no PTZ configuration on profile {profile_token!r}.",
                "no_profile", where=self.where, profile=profile_token,
            )
        service = await self._service("ptz")
        return Ptz(service, profile_token, self._run)

    async def set_frame_rate(self, profile_token: str, fps: float) -> float:
        """Set a profile's encoder frame-rate limit (SetVideoEncoderConfiguration); returns what the
        camera now reports. Raises OnvifError if the camera refuses (many only allow it in their
        web page) or has no encoder configuration on that profile."""
        media = await self._service("media")
        raw = next((p for p in await self._run("GetProfiles", media.GetProfiles()) if p.token == profile_token), None)
        config = getattr(raw, "VideoEncoderConfiguration", None)
        if config is None or getattr(config, "RateControl", None) is None:
            raise OnvifError(f"The camera at {self.where} has no encoder settings on profile {profile_token!r}.",
                             "no_encoder_configuration", where=self.where, profile=profile_token)
        config.RateControl.FrameRateLimit = max(1, round(fps))
        await self._run("SetVideoEncoderConfiguration",
                        media.SetVideoEncoderConfiguration({"Configuration": config, "ForcePersistence": True}))
        after = next(p for p in await self.profiles() if p.token == profile_token)
        return after.fps or 0.0

    async def probe(self) -> DeviceProfile:
        """Everything registration needs: info, profiles, main/sub URIs, snapshot URI, clock, PTZ."""
        info = await self.device_info()
        clock = await self.clock()
        profiles = await self.profiles()
        main, sub = select_streams(profiles, f"The camera at {self.where}")
        main_uri = await self.stream_uri(main.token)
        sub_uri = main_uri if sub.token == main.token else await self.stream_uri(sub.token)
        snapshot = await self.snapshot_uri(main.token)
        ptz_supported = self.has_ptz_service and main.has_ptz
        return DeviceProfile(
            xaddr=self.xaddr,
            host=self.host,
            port=self.port,
            info=info,
            profiles=tuple(profiles),
            main=main,
            sub=sub,
            main_uri=main_uri,
            sub_uri=sub_uri,
            snapshot_uri=snapshot,
            clock=clock,
            ptz_supported=ptz_supported,
            warnings=_warnings(clock, main, sub, snapshot),
        )


def _warnings(
    clock: ClockCheck, main: MediaProfile, sub: MediaProfile, snapshot: str | None
) -> tuple[str, ...]:
    out = []
    if clock.drift_s is None:
        out.append("The camera did not report its UTC time; check its clock and time zone.")
    elif clock.warn:
        side = "ahead of" if clock.drift_s > 0 else "behind"
        out.append(
            f"The camera clock is {abs(clock.drift_s):.0f} s {side} the server. "
            "Set it to use NTP (or sync it with this computer) in the camera's web page."
        )
    if sub.token == main.token:
        out.append("The camera has a single H.264 stream; detection will use the main stream (more CPU).")
    if snapshot is None:
        out.append("The camera gives no snapshot URL; confirm the picture from the live stream instead.")
    return tuple(out)


def _to_profile(p: Any) -> MediaProfile:
    """Reduce a zeep ``tt:Profile`` to a MediaProfile; missing parts become 0/None."""
    vec = getattr(p, "VideoEncoderConfiguration", None)
    res = getattr(vec, "Resolution", None)
    rate = getattr(vec, "RateControl", None)
    fps = getattr(rate, "FrameRateLimit", None)
    return MediaProfile(
        token=p.token,
        name=getattr(p, "Name", None) or "",
        encoding=getattr(vec, "Encoding", None),
        width=getattr(res, "Width", None) or 0,
        height=getattr(res, "Height", None) or 0,
        fps=float(fps) if fps else None,
        has_ptz=getattr(p, "PTZConfiguration", None) is not None,
    )


async def set_stream_frame_rate(address: str, port: int, username: str, password: str, profile_token: str,
                                fps: float, timeout_s: float = 5.0) -> float:
    """Connect and set one profile's frame rate (see OnvifCamera.set_frame_rate)."""
    if address.startswith(("http://", "https://")):
        cam = OnvifCamera.from_xaddr(address, username, password, timeout_s=timeout_s)
    else:
        cam = OnvifCamera(address, port, username, password, timeout_s=timeout_s)
    async with cam:
        return await cam.set_frame_rate(profile_token, fps)


async def probe_device(
    address: str,
    port: int = 80,
    username: str = "",
    password: str = "",
    timeout_s: float = 5.0,
    drift_warn_s: float = DEFAULT_DRIFT_WARN_S,
) -> DeviceProfile:
    """Connect and read everything registration needs. ``address`` is an xaddr URL or a host."""
    if address.startswith("http://") or address.startswith("https://"):
        cam = OnvifCamera.from_xaddr(
            address, username, password, timeout_s=timeout_s, drift_warn_s=drift_warn_s
        )
    else:
        cam = OnvifCamera(address, port, username, password, timeout_s=timeout_s, drift_warn_s=drift_warn_s)
    async with cam:
        return await cam.probe()
