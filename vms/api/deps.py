"""Shared dependencies: database session, current user, role checks, client address."""

from __future__ import annotations

from typing import Annotated, Iterator

from fastapi import Depends, Path, Request, status
from sqlalchemy.orm import Session

from vms.access import camera_scope, can
from vms.api.context import AppContext
from vms.api.errors import ApiError, register
from vms.auth import user_for_token
from vms.db.models import User

SESSION_COOKIE = "vms_session"
LOGIN_REQUIRED = register("auth.login_required", "login required")
ROLE_REQUIRED = register("auth.role_required", "needs role: {roles}")
CAPABILITY_REQUIRED = register("auth.capability_required", "your role may not use: {capability}")
# Met by many routes: a camera that does not exist or that the user may not see.
CAMERA_NOT_FOUND = register("camera.not_found", "no such camera: {camera_id}")
MAX_ROW_ID = 2**63 - 1

# A database row id in a path: bounded so a huge number is a 422, not a database overflow.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def get_context(request: Request) -> AppContext:
    return request.app.state.context


def get_db(request: Request) -> Iterator[Session]:
    with get_context(request).session_factory() as session:
        yield session


ContextDep = Annotated[AppContext, Depends(get_context)]
SessionDep = Annotated[Session, Depends(get_db)]


def request_token(request: Request) -> str | None:
    """The session token from the cookie (browser) or an `Authorization: Bearer` header (scripts)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


def get_current_user(request: Request, db: SessionDep) -> User:
    token = request_token(request)
    user = user_for_token(db, token) if token else None
    if user is None:
        raise ApiError(status.HTTP_401_UNAUTHORIZED, LOGIN_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: str):  # type: ignore[no-untyped-def]
    """Dependency factory: the current user must hold one of `roles` (admin always passes)."""

    def check(user: CurrentUser) -> User:
        if user.role != "admin" and user.role not in roles:
            raise ApiError(status.HTTP_403_FORBIDDEN, ROLE_REQUIRED, roles=list(roles))
        return user

    return check


def require(capability: str):  # type: ignore[no-untyped-def]
    """Dependency factory: the current user must hold `capability` (see vms.access.CAPABILITIES)."""

    def check(user: CurrentUser) -> User:
        if not can(user, capability):
            raise ApiError(status.HTTP_403_FORBIDDEN, CAPABILITY_REQUIRED, capability=capability)
        return user

    return check


def get_scope(user: CurrentUser, db: SessionDep) -> frozenset[str] | None:
    return camera_scope(db, user)


# The cameras the current user may see (None = all); anything else answers 404.
ScopeDep = Annotated[frozenset[str] | None, Depends(get_scope)]
LiveUser = Annotated[User, Depends(require("live"))]
EventsUser = Annotated[User, Depends(require("events"))]
PlaybackUser = Annotated[User, Depends(require("playback"))]
ExportUser = Annotated[User, Depends(require("export"))]
CameraAdmin = Annotated[User, Depends(require("cameras"))]
UsersAdmin = Annotated[User, Depends(require("users"))]
ReportsUser = Annotated[User, Depends(require("reports"))]
RecordsUser = Annotated[User, Depends(require("records"))]
RecordsEditor = Annotated[User, Depends(require("records_edit"))]
MaintenanceUser = Annotated[User, Depends(require("maintenance"))]
HealthUser = Annotated[User, Depends(require("health"))]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
