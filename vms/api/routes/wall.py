"""Saved camera-wall views: each user's own arrangements (layout + a camera per tile).

A view belongs to the user who saved it; another user's view answers 404. A view may name only
cameras the user can see when saving; if the user's camera list is narrowed later, the wall shows
those tiles as "no permission" (the live stream refuses them anyway).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vms.access import sees_camera
from vms.api.deps import LiveUser, RowId, ScopeDep, SessionDep
from vms.api.errors import ApiError, register
from vms.db.models import Camera, User, WallView, utcnow

router = APIRouter(prefix="/api/wall", tags=["wall"])
MAX_VIEWS_PER_USER = 50
NOT_FOUND = register("wall_view.not_found", "no such saved view")
NAME_TAKEN = register("wall_view.name_taken", "you already have a view named {name}")
TOO_MANY = register("wall_view.too_many", "at most {limit} saved views per user")
UNKNOWN_CAMERA = register("wall_view.unknown_camera", "no such camera: {camera_id}")
TOO_MANY_TILES = register("wall_view.too_many_tiles", "{count} cameras do not fit a layout of {layout} tiles")
CameraSlot = str | None


class WallViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    layout: Literal[1, 4, 9, 16] = Field(description="tiles on the wall")
    cameras: list[CameraSlot] = Field(default_factory=list, max_length=16,
                                      description="camera id (or null for an empty tile) per tile, in order")


class WallViewOut(BaseModel):
    id: int
    name: str
    layout: int
    cameras: list[CameraSlot]
    updated_at: datetime


def _out(view: WallView) -> WallViewOut:
    return WallViewOut(id=view.id, name=view.name, layout=view.layout, cameras=list(view.cameras),
                       updated_at=view.updated_at)


def _validate(db: Session, body: WallViewIn, scope: frozenset[str] | None) -> list[CameraSlot]:
    if len(body.cameras) > body.layout:
        raise ApiError(422, TOO_MANY_TILES, count=len(body.cameras), layout=body.layout)
    for camera_id in body.cameras:
        if camera_id is not None and (db.get(Camera, camera_id) is None or not sees_camera(scope, camera_id)):
            raise ApiError(422, UNKNOWN_CAMERA, camera_id=camera_id[:48])
    return list(body.cameras)


def _own(db: Session, user: User, view_id: int) -> WallView:
    view = db.get(WallView, view_id)
    if view is None or view.user_id != user.id:
        raise ApiError(404, NOT_FOUND)
    return view


def _commit(db: Session, name: str) -> None:
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ApiError(409, NAME_TAKEN, name=name) from None


@router.get("/views", response_model=list[WallViewOut])
def list_views(user: LiveUser, db: SessionDep) -> list[WallViewOut]:
    rows = db.scalars(select(WallView).where(WallView.user_id == user.id).order_by(WallView.name))
    return [_out(view) for view in rows]


@router.post("/views", response_model=WallViewOut, status_code=201)
def create_view(body: WallViewIn, user: LiveUser, db: SessionDep, scope: ScopeDep) -> WallViewOut:
    cameras = _validate(db, body, scope)
    count = db.scalar(select(func.count()).select_from(WallView).where(WallView.user_id == user.id)) or 0
    if count >= MAX_VIEWS_PER_USER:
        raise ApiError(409, TOO_MANY, limit=MAX_VIEWS_PER_USER)
    view = WallView(user_id=user.id, name=body.name, layout=body.layout, cameras=cameras)
    db.add(view)
    _commit(db, body.name)
    return _out(view)


@router.put("/views/{view_id}", response_model=WallViewOut)
def replace_view(view_id: RowId, body: WallViewIn, user: LiveUser, db: SessionDep, scope: ScopeDep) -> WallViewOut:
    view = _own(db, user, view_id)
    view.cameras = _validate(db, body, scope)
    view.name, view.layout, view.updated_at = body.name, body.layout, utcnow()
    _commit(db, body.name)
    return _out(view)


@router.delete("/views/{view_id}", status_code=204)
def delete_view(view_id: RowId, user: LiveUser, db: SessionDep) -> None:
    db.delete(_own(db, user, view_id))
    db.commit()
