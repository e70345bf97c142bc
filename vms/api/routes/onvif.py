"""ONVIF for installers: discover, probe, preview, register; PTZ for operators.

The server always probes the camera itself with the credentials given: stream URIs sent by a
browser are never trusted. Passwords are write-only: never echoed, logged or audited.
"""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from camera_drivers.onvif import (
    BasicAuthRefused,
    DeviceProfile,
    HostileDevice,
    NoH264Profile,
    NotOnvifDevice,
    OnvifAuthError,
    OnvifCamera,
    OnvifError,
    OnvifUnreachable,
    PtzNotSupported,
    discover,
    fetch_snapshot,
    ipv4_interfaces,
    probe_device,
    set_stream_frame_rate,
)
from vms.access import camera_scope, sees_camera
from vms.api.deps import CAMERA_NOT_FOUND, ContextDep, SessionDep, client_ip, require_roles
from vms.api.errors import ERROR_CODES, ApiError, register, register_pattern
from vms.api.routes.cameras import CAMERA_ID_TAKEN, check_retention
from vms.audit import audit
from vms.cameras import camera_detect_fps
from vms.config import CAMERA_ID_PATTERN
from vms.db.models import Camera, User
from vms.onvif_registry import registered_camera, save_onvif_camera
from vms.sources import SourceRefused, site_policy

router = APIRouter(prefix="/api/onvif", tags=["onvif"])
Installer = Annotated[User, Depends(require_roles("installer"))]
PtzUser = Annotated[User, Depends(require_roles("installer", "operator", "investigator"))]
HTTP_STATUS = {OnvifAuthError: 422, NotOnvifDevice: 422, NoH264Profile: 422, OnvifUnreachable: 504, PtzNotSupported: 409,
               HostileDevice: 422, BasicAuthRefused: 422}
URIS_CHANGED = register(
    "onvif.uris_changed", "the camera now returns other stream addresses than the ones shown: probe it again")


# Every ONVIF failure as `onvif.<kind>.<reason>` with the driver's params (host:port, operation,
# seconds, HTTP status); a reason without its own text falls back to the kind's generic text.
ONVIF_ERRORS = {
    "onvif.onvif_error": "ONVIF failure: {message}",
    "onvif.unreachable": "Cannot reach the camera: {message}",
    "onvif.unreachable.timeout": "The camera at {where} did not answer ({what}) within {timeout_s} s",
    "onvif.unreachable.refused": "The camera at {where} refused the connection: wrong port, or ONVIF is off",
    "onvif.unreachable.no_route": "No route to the camera at {where}: check the IP address and the cable",
    "onvif.unreachable.timeout_connect": "Connecting to the camera at {where} timed out",
    "onvif.unreachable.reset": "The camera at {where} dropped the connection",
    "onvif.unreachable.connect": "Cannot connect to the camera at {where} ({error})",
    "onvif.auth_failed": "The camera refused the user name or password",
    "onvif.auth_failed.wrong_password": "The camera at {where} refused the user name or password",
    "onvif.auth_failed.snapshot_needs_login": "The camera at {where} needs a user name and password for snapshots",
    "onvif.auth_failed.snapshot_refused": "The camera at {where} refused the user name or password for snapshots",
    "onvif.not_onvif": "This is not an ONVIF camera: {message}",
    "onvif.not_onvif.not_soap": "Something answers at {where}, but it is not an ONVIF camera (HTTP {status})",
    "onvif.no_h264": "The camera offers no H.264 stream (found: {found})",
    "onvif.ptz_not_supported": "This camera cannot do that PTZ operation",
    "onvif.ptz_not_supported.no_service": "The camera at {where} has no PTZ (pan/tilt/zoom) service",
    "onvif.ptz_not_supported.no_profile": "The camera at {where} has no PTZ configuration on profile {profile}",
    "onvif.ptz_not_supported.operation": "The camera at {where} does not support {what}",
    "onvif.ptz_not_supported.bad_reply": "The camera at {where} sent an unreadable reply to {what}",
    "onvif.protocol_error": "The camera answered in a way the server cannot use: {message}",
    "onvif.protocol_error.fault": "The camera at {where} refused {what}: {fault}",
    "onvif.protocol_error.http_status": "The camera at {where} answered {what} with HTTP {status}",
    "onvif.protocol_error.bad_reply": "The camera at {where} sent a reply to {what} that is not valid ONVIF XML",
    "onvif.protocol_error.unexpected": "Unexpected failure talking to the camera at {where} ({what}): {error}",
    "onvif.snapshot_failed": "The camera did not return a snapshot: {message}",
    "onvif.snapshot_failed.not_http": "The snapshot URL is not an http(s) URL",
    "onvif.snapshot_failed.http_status": "The camera at {where} answered the snapshot request with HTTP {status}",
    "onvif.snapshot_failed.not_jpeg": "The camera at {where} did not return a JPEG image for the snapshot",
    "onvif.foreign_uri": "The device named an address the server will not open: {message}",
    "onvif.foreign_uri.scheme": "The device at {where} gave a {what} address with a scheme that is not allowed: {uri}",
    "onvif.foreign_uri.other_host": "The device at {where} gave a {what} address on another host ({uri}); nothing is "
                                    "sent there",
    "onvif.basic_auth_refused": "The camera at {where} wants its password in clear text (HTTP Basic without https); "
                                "allow Basic for this camera only if it offers nothing better",
}
for _code, _english in ONVIF_ERRORS.items():
    register(_code, _english)
INTERFACE_FAILED = register("onvif.interface_failed", "cannot probe from interface {interface}: {error}")
NO_SNAPSHOT_URI = register("onvif.no_snapshot_uri", "this camera has no snapshot URI")
ALREADY_REGISTERED = register("onvif.already_registered", "this camera is already registered as {camera_id}")
NOT_ONVIF_CAMERA = register("onvif.not_registered", "this camera was not registered through ONVIF")


def onvif_api_error(error: OnvifError) -> ApiError:
    """The driver's error as an ApiError: status by kind, code by kind and reason, the driver's params."""
    status = next((code for kind, code in HTTP_STATUS.items() if isinstance(error, kind)), 502)
    code = f"onvif.{error.code}.{error.reason}" if error.reason else f"onvif.{error.code}"
    if code not in ERROR_CODES:
        code = f"onvif.{error.code}" if f"onvif.{error.code}" in ERROR_CODES else "onvif.onvif_error"
    params = {key: value for key, value in error.params.items() if isinstance(value, (str, int, float))}
    params.pop("message", None)
    api_error = ApiError(status, code, str(error), **params)
    api_error.detail["params"]["message"] = str(error)  # ("message" is also ApiError's own argument)
    return api_error


def onvif_error_response(error: OnvifError) -> JSONResponse:
    api_error = onvif_api_error(error)
    return JSONResponse({"detail": api_error.detail}, status_code=api_error.status_code)


class InterfaceOut(BaseModel):
    name: str
    ip: str


class DiscoverRequest(BaseModel):
    interface_ip: str | None = Field(None, max_length=45, description="IPv4 address of the interface to probe from")
    timeout_s: float = Field(3.0, ge=0.5, le=10)


class DeviceOut(BaseModel):
    key: str
    xaddr: str
    host: str
    port: int
    name: str | None
    hardware: str | None
    location: str | None
    registered_camera_id: str | None


# A host name, IPv4/IPv6 address, or http:// device-service URL: nothing else is ever looked up.
ADDRESS_PATTERN = r"^(http://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~/\-]*)?|[A-Za-z0-9.\-]+|\[?[0-9A-Fa-f:.]+\]?)$"
register_pattern(ADDRESS_PATTERN, "onvif.address_pattern",
                 "{field}: a host name, an IP address or an http:// device address")


class Credentials(BaseModel):
    address: str = Field(min_length=1, max_length=255, pattern=ADDRESS_PATTERN,
                         description="host name, IP address or http:// device-service URL")
    port: int = Field(80, ge=1, le=65535)
    username: str = Field("", max_length=120)
    password: str = Field("", max_length=256, description="write-only")
    timeout_s: float = Field(5.0, ge=0.5, le=30)
    allow_basic_http: bool = Field(False, description="allow HTTP Basic over plain http for snapshots "
                                                      "(the password in clear text): per-camera opt-in")


class RegisterRequest(Credentials):
    id: str = Field(pattern=CAMERA_ID_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    location: str = Field("", max_length=200)
    retention_days: float = Field(30, gt=0, le=3650)
    endpoint: str | None = Field(None, max_length=255, description="WS-Discovery endpoint uuid, if discovered")
    main_uri: str = Field(max_length=2000, description="the main stream URI the installer saw in the probe result")
    sub_uri: str = Field(max_length=2000, description="the sub stream URI the installer saw in the probe result")
    sub_fps: float | None = Field(None, gt=0, le=30, description="set the sub stream's frame rate to this (the "
                                  "detect fps: every sub stream frame is decoded), where the camera allows it")


class ProbeOut(BaseModel):
    profile: dict
    registered_camera_id: str | None
    # The rate the camera is (or, not registered yet, will be) analysed at: the sub stream's frame
    # rate to offer at registration (every sub stream frame is decoded).
    detect_fps: float = Field(default_factory=lambda: camera_detect_fps(None))
    sub_fps: float | None = None  # registration: the sub stream's frame rate after setting it
    sub_fps_error: dict | None = None  # registration: why the camera refused it ({code, reason, message})


class PtzMove(BaseModel):
    pan: float = Field(0, ge=-1, le=1)
    tilt: float = Field(0, ge=-1, le=1)
    zoom: float = Field(0, ge=-1, le=1)
    timeout_s: float = Field(1.0, gt=0, le=10, description="camera stops by itself after this long")


class PtzAbsolute(BaseModel):
    pan: float = Field(ge=-1, le=1)
    tilt: float = Field(ge=-1, le=1)
    zoom: float | None = Field(None, ge=0, le=1)


async def check_target(address: str, ctx: ContextDep) -> None:
    """The site's limits on the hosts the server may talk to (vms.sources): no probing loopback,
    link-local or (with `sources.camera_networks`) anything outside the camera subnets."""
    host = urlsplit(address).hostname if address.startswith("http://") else address
    try:
        await asyncio.to_thread(site_policy(ctx.config, ctx.paths).check_host, host or address)
    except SourceRefused as error:
        raise ApiError(422, error.code, str(error), field="address", **error.params) from None


async def _probe(body: Credentials, ctx: ContextDep) -> DeviceProfile:
    await check_target(body.address, ctx)
    return await probe_device(body.address, body.port, body.username, body.password, timeout_s=body.timeout_s)


@router.get("/interfaces", response_model=list[InterfaceOut])
def interfaces(user: Installer) -> list[InterfaceOut]:
    return [InterfaceOut(name=name, ip=ip) for name, ip in ipv4_interfaces()]


@router.post("/discover", response_model=list[DeviceOut])
async def discover_devices(body: DiscoverRequest, user: Installer, db: SessionDep) -> list[DeviceOut]:
    try:
        devices = await asyncio.to_thread(discover, body.interface_ip, body.timeout_s)
    except OSError as error:
        raise ApiError(422, INTERFACE_FAILED, interface=body.interface_ip, error=error.strerror) from None
    return [
        DeviceOut(key=d.key, xaddr=d.xaddr, host=d.host, port=d.port, name=d.name, hardware=d.hardware,
                  location=d.location, registered_camera_id=registered_camera(db, d))
        for d in devices
    ]


@router.post("/probe", response_model=ProbeOut, responses={422: {}, 502: {}, 504: {}})
async def probe(body: Credentials, user: Installer, db: SessionDep, ctx: ContextDep) -> ProbeOut | JSONResponse:
    try:
        profile = await _probe(body, ctx)
    except OnvifError as error:
        return onvif_error_response(error)
    camera_id = registered_camera(db, profile)
    camera = db.get(Camera, camera_id) if camera_id else None
    return ProbeOut(profile=profile.model_dump(mode="json"), registered_camera_id=camera_id,
                    detect_fps=camera_detect_fps(camera, ctx.config.cameras))


@router.post("/snapshot", response_class=Response, responses={200: {"content": {"image/jpeg": {}}}, 422: {}, 502: {}})
async def snapshot_preview(body: Credentials, user: Installer, ctx: ContextDep) -> Response:
    """A still from the camera, for the installer to confirm it is the right one."""
    try:
        profile = await _probe(body, ctx)
        if profile.snapshot_uri is None:
            raise ApiError(409, NO_SNAPSHOT_URI)
        jpeg = await fetch_snapshot(profile.snapshot_uri, body.username, body.password, timeout_s=body.timeout_s,
                                    allow_basic=body.allow_basic_http, device_host=profile.host)
    except OnvifError as error:
        return onvif_error_response(error)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post("/register", status_code=201, response_model=ProbeOut, responses={409: {}, 422: {}, 502: {}, 504: {}})
async def register(body: RegisterRequest, request: Request, user: Installer, db: SessionDep,
                   ctx: ContextDep) -> ProbeOut | JSONResponse:
    if db.get(Camera, body.id) is not None:
        raise ApiError(409, CAMERA_ID_TAKEN, camera_id=body.id)
    check_retention(body.retention_days, ctx.config.storage.min_retention_days)
    try:
        profile = await _probe(body, ctx)
    except OnvifError as error:
        return onvif_error_response(error)
    if (body.main_uri, body.sub_uri) != (profile.main_uri, profile.sub_uri):
        raise ApiError(409, URIS_CHANGED, main_uri=profile.main_uri, sub_uri=profile.sub_uri)
    existing = registered_camera(db, profile)
    if existing is not None:
        raise ApiError(409, ALREADY_REGISTERED, camera_id=existing)
    sub_fps, sub_fps_error = await _set_sub_fps(body, profile)
    save_onvif_camera(db, ctx.vault, profile, camera_id=body.id, name=body.name, location=body.location,
                      username=body.username, password=body.password, retention_days=body.retention_days,
                      endpoint=body.endpoint, allow_basic_http=body.allow_basic_http)
    audit(db, user.username, "camera_create", target=body.id, client_ip=client_ip(request), via="onvif",
          host=profile.host, model=profile.info.model, main_uri=profile.main_uri, sub_uri=profile.sub_uri,
          snapshot_uri=profile.snapshot_uri, allow_basic_http=body.allow_basic_http)
    db.commit()
    ctx.cameras_changed()
    return ProbeOut(profile=profile.model_dump(mode="json"), registered_camera_id=body.id, sub_fps=sub_fps,
                    sub_fps_error=sub_fps_error)


async def _set_sub_fps(body: RegisterRequest, profile: DeviceProfile) -> tuple[float | None, dict | None]:
    """Where asked and the camera has a separate sub stream: its frame rate to the detect fps.

    A camera that refuses does not stop the registration: analysis then thins the sub stream
    itself, and the installer is told to set it in the camera's web page."""
    if body.sub_fps is None or profile.sub.token == profile.main.token:
        return None, None
    try:
        fps = await set_stream_frame_rate(body.address, body.port, body.username, body.password, profile.sub.token,
                                          body.sub_fps, timeout_s=body.timeout_s)
    except OnvifError as error:
        return None, {"code": error.code, "reason": error.reason, "message": str(error)}
    return fps, None


def _camera_session(ctx: ContextDep, db: SessionDep, user: User, camera_id: str) -> OnvifCamera:
    camera = db.get(Camera, camera_id)
    if camera is None or not sees_camera(camera_scope(db, user), camera_id):
        raise ApiError(404, CAMERA_NOT_FOUND, camera_id=camera_id)
    if not camera.onvif_host or not camera.onvif_port:
        raise ApiError(409, NOT_ONVIF_CAMERA)
    try:  # a host stored before the site's limits (vms.sources) changed
        site_policy(ctx.config, ctx.paths).check_host(camera.onvif_host, resolve=False)
    except SourceRefused as error:
        raise ApiError(422, error.code, str(error), field="onvif_host", **error.params) from None
    password = ctx.vault.decrypt(camera.password_encrypted) if camera.password_encrypted else ""
    return OnvifCamera(camera.onvif_host, camera.onvif_port, camera.username or "", password)


@router.post("/cameras/{camera_id}/ptz/move", status_code=204, responses={409: {}, 502: {}, 504: {}})
async def ptz_move(camera_id: str, body: PtzMove, user: PtzUser, db: SessionDep, ctx: ContextDep) -> Response:
    try:
        async with _camera_session(ctx, db, user, camera_id) as camera:
            await (await camera.ptz()).continuous_move(body.pan, body.tilt, body.zoom, timeout_s=body.timeout_s)
    except OnvifError as error:
        return onvif_error_response(error)
    return Response(status_code=204)


@router.post("/cameras/{camera_id}/ptz/stop", status_code=204, responses={409: {}, 502: {}, 504: {}})
async def ptz_stop(camera_id: str, user: PtzUser, db: SessionDep, ctx: ContextDep) -> Response:
    try:
        async with _camera_session(ctx, db, user, camera_id) as camera:
            await (await camera.ptz()).stop()
    except OnvifError as error:
        return onvif_error_response(error)
    return Response(status_code=204)


@router.post("/cameras/{camera_id}/ptz/absolute", status_code=204, responses={409: {}, 502: {}, 504: {}})
async def ptz_absolute(camera_id: str, body: PtzAbsolute, user: PtzUser, db: SessionDep, ctx: ContextDep) -> Response:
    try:
        async with _camera_session(ctx, db, user, camera_id) as camera:
            await (await camera.ptz()).absolute_move(body.pan, body.tilt, body.zoom)
    except OnvifError as error:
        return onvif_error_response(error)
    return Response(status_code=204)


class PresetOut(BaseModel):
    token: str
    name: str


@router.get("/cameras/{camera_id}/ptz/presets", response_model=list[PresetOut], responses={409: {}, 502: {}, 504: {}})
async def ptz_presets(camera_id: str, user: PtzUser, db: SessionDep, ctx: ContextDep) -> list[PresetOut] | JSONResponse:
    try:
        async with _camera_session(ctx, db, user, camera_id) as camera:
            presets = await (await camera.ptz()).presets()
    except OnvifError as error:
        return onvif_error_response(error)
    return [PresetOut(token=p.token, name=p.name) for p in presets]


@router.post("/cameras/{camera_id}/ptz/presets/{token}/goto", status_code=204, responses={409: {}, 502: {}, 504: {}})
async def ptz_goto(camera_id: str, token: str, user: PtzUser, db: SessionDep, ctx: ContextDep) -> Response:
    try:
        async with _camera_session(ctx, db, user, camera_id) as camera:
            await (await camera.ptz()).goto_preset(token)
    except OnvifError as error:
        return onvif_error_response(error)
    return Response(status_code=204)
