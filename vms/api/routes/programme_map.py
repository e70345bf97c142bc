"""The commune map: an uploaded map image with camera pins, and GeoJSON for the district's GIS.

Works offline: the map is the commune's own image (a scanned plan or an exported map), never
tiles from the internet. Cameras with a map position are pinned on it; cameras with only GPS are
laid out by the browser from their coordinates. GeoJSON carries every camera with a GPS position.
"""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from vms.api.deps import ContextDep, RecordsEditor, RecordsUser, ScopeDep, SessionDep, client_ip
from vms.api.errors import ApiError, register
from vms.api.limits import allow_body
from vms.api.uploads import read_body
from vms.audit import audit
from vms.config import MAP_MB_LIMIT
from vms.db.models import SiteMap
from vms.records.camera_records import list_records
from vms.records.files import MAP_TYPES, UploadRefused, bytes_stream, image_size, store_upload, stored_path

router = APIRouter(prefix="/api/records", tags=["records"])
NO_MAP = register("records.no_map", "no map has been uploaded yet")
allow_body("PUT", "/api/records/map/image", (MAP_MB_LIMIT << 20) + (64 << 10))  # the route applies the site's cap


class MapInfo(BaseModel):
    id: int
    width: int
    height: int
    content_type: str
    uploaded_at: datetime
    uploaded_by: str


class Pin(BaseModel):
    camera_id: str
    name: str
    hamlet: str
    status: str
    live_status: str
    map_x: float | None
    map_y: float | None
    latitude: float | None
    longitude: float | None


class MapOut(BaseModel):
    map: MapInfo | None
    pins: list[Pin]


def _current(db: SessionDep) -> SiteMap | None:
    return db.scalars(select(SiteMap).order_by(SiteMap.id.desc()).limit(1)).first()


def _info(row: SiteMap) -> MapInfo:
    return MapInfo(id=row.id, width=row.width, height=row.height, content_type=row.content_type,
                   uploaded_at=row.uploaded_at, uploaded_by=row.uploaded_by)


@router.get("/map", response_model=MapOut)
def site_map(user: RecordsUser, db: SessionDep, scope: ScopeDep) -> MapOut:
    """The current map image's size and every programme camera as a pin (with its live status)."""
    row = _current(db)
    pins = [Pin(camera_id=r.camera_id, name=r.display_name, hamlet=r.hamlet, status=r.status,
                live_status=r.live_status, map_x=r.map_x, map_y=r.map_y, latitude=r.latitude, longitude=r.longitude)
            for r in list_records(db, scope)]
    return MapOut(map=_info(row) if row else None, pins=pins)


def _save_map(ctx: ContextDep, db: SessionDep, data: bytes, username: str, ip: str) -> MapInfo:
    stored = store_upload(bytes_stream(data), ctx.paths.records, "map", ctx.config.programme.max_map_mb << 20,
                          MAP_TYPES)
    path = ctx.paths.records / stored.file_name
    width, height = image_size(path)
    row = SiteMap(file_name=stored.file_name, content_type=stored.content_type, width=width, height=height,
                  sha256=stored.sha256, uploaded_by=username, uploaded_at=datetime.now(timezone.utc))
    db.add(row)
    audit(db, username, "map_upload", client_ip=ip, sha256=stored.sha256, width=width, height=height)
    db.commit()
    return _info(row)


@router.put("/map/image", response_model=MapInfo,
            openapi_extra={"requestBody": {"content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                       for t in sorted(MAP_TYPES)}}})
async def put_map_image(request: Request, user: RecordsEditor, db: SessionDep, ctx: ContextDep) -> MapInfo:
    """Upload the commune's map (PNG or JPEG, at most `programme.max_map_mb`); pins keep their places."""
    data = await read_body(request, ctx.config.programme.max_map_mb << 20)
    try:
        return await run_in_threadpool(_save_map, ctx, db, data, user.username, client_ip(request))
    except UploadRefused as error:
        raise ApiError(error.status, error.code, **error.params) from None


@router.get("/map/image", response_class=FileResponse, responses={200: {"content": {"image/png": {},
                                                                                      "image/jpeg": {}}}})
def get_map_image(user: RecordsUser, db: SessionDep, ctx: ContextDep) -> FileResponse:
    row = _current(db)
    try:
        path = stored_path(ctx.paths.records, row.file_name) if row is not None else None
    except FileNotFoundError:
        path = None
    if path is None or row is None:
        raise ApiError(404, NO_MAP)
    return FileResponse(path, media_type=row.content_type, headers={"Cache-Control": "private, max-age=60"})


@router.get("/geojson", response_class=JSONResponse, responses={200: {"content": {"application/geo+json": {}}}})
def geojson(request: Request, user: RecordsUser, db: SessionDep, scope: ScopeDep) -> JSONResponse:
    """Cameras with a GPS position as a GeoJSON FeatureCollection (WGS 84), for the district's GIS.

    Owners' names and contacts are left out: the file leaves the commune."""
    features = [
        {"type": "Feature", "id": r.camera_id,
         "geometry": {"type": "Point", "coordinates": [r.longitude, r.latitude]},
         "properties": {"camera_id": r.camera_id, "name": r.display_name, "hamlet": r.hamlet,
                        "address": r.address, "status": r.status, "live_status": r.live_status,
                        "owner_kind": r.owner_kind, "funder_kind": r.funder_kind, "coverage": r.coverage,
                        "installed_on": r.installed_on.isoformat() if r.installed_on else None}}
        for r in list_records(db, scope) if r.latitude is not None and r.longitude is not None
    ]
    audit(db, user.username, "records_geojson", client_ip=client_ip(request), features=len(features))
    db.commit()
    return JSONResponse({"type": "FeatureCollection", "features": features}, media_type="application/geo+json",
                        headers={"Content-Disposition": 'attachment; filename="cameras.geojson"'})
