"""User accounts (admin only) and a user's own password change. Every change is audit-logged
without the password itself."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.access import set_user_cameras, user_camera_ids
from vms.api.deps import CurrentUser, RowId, SessionDep, UsersAdmin, client_ip, request_token
from vms.api.errors import ApiError, register, register_pattern
from vms.api.routes.auth import ACCOUNT_LOCKED
from vms.audit import audit
from vms.auth import (
    LoginError,
    PASSWORD_NEEDS,
    PasswordPolicyError,
    authenticate,
    check_password_policy,
    create_user,
    end_sessions,
    hash_password,
    locked_until,
    unlock,
)
from vms.db.models import Camera, User

router = APIRouter(prefix="/api", tags=["users"])
Role = Literal["admin", "installer", "operator", "investigator", "viewer"]
USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]+$"
register_pattern(USERNAME_PATTERN, "user.name_pattern", "{field}: letters, digits and _ . @ - only")
UNKNOWN_CAMERAS = register("user.unknown_cameras", "unknown cameras: {cameras}")
PASSWORD_WEAK = register("password.too_weak", "password needs {problems}")
# The items of `problems` in a password.too_weak error: codes too, so the UI words each one.
for _problem, _english in PASSWORD_NEEDS.items():
    register(f"password.need.{_problem}", _english)
USERNAME_TAKEN = register("user.name_taken", "this user name is taken")
USER_NOT_FOUND = register("user.not_found", "no such user")
SELF_DEMOTE = register("user.self_demote", "you cannot disable or demote your own account")
OLD_PASSWORD_WRONG = register("password.old_wrong", "old password is wrong")


class UserAccountOut(BaseModel):
    id: int
    username: str
    role: str
    full_name: str
    active: bool
    cameras: list[str]
    locked_until: datetime | None
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)
    password: str = Field(min_length=1, max_length=256)
    role: Role
    full_name: str = Field("", max_length=120)
    cameras: list[str] = Field(default_factory=list, max_length=500, description="empty = all cameras")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    full_name: str | None = Field(None, max_length=120)
    active: bool | None = None
    cameras: list[str] | None = Field(None, max_length=500)
    password: str | None = Field(None, min_length=1, max_length=256)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


def account_out(db: Session, user: User) -> UserAccountOut:
    return UserAccountOut(
        id=user.id,
        username=user.username,
        role=user.role,
        full_name=user.full_name,
        active=user.active,
        cameras=user_camera_ids(db, user.id),
        locked_until=locked_until(db, user.username),
        created_at=user.created_at,
    )


def _check_cameras(db: Session, camera_ids: list[str]) -> None:
    known = set(db.scalars(select(Camera.id)))
    unknown = sorted(set(camera_ids) - known)
    if unknown:
        raise ApiError(422, UNKNOWN_CAMERAS, f"unknown cameras: {', '.join(unknown)}", cameras=unknown)


def _policy(password: str, role: str | None = None) -> None:
    try:
        check_password_policy(password, role)
    except PasswordPolicyError as error:
        raise ApiError(422, PASSWORD_WEAK, str(error), min_length=error.min_length,
                       problems=[f"password.need.{p}" for p in error.problems]) from None


@router.get("/users", response_model=list[UserAccountOut])
def list_users(admin: UsersAdmin, db: SessionDep) -> list[UserAccountOut]:
    return [account_out(db, user) for user in db.scalars(select(User).order_by(User.username))]


@router.post("/users", response_model=UserAccountOut, status_code=201)
def add_user(body: UserCreate, request: Request, admin: UsersAdmin, db: SessionDep) -> UserAccountOut:
    if db.scalars(select(User.id).where(User.username == body.username)).first() is not None:
        raise ApiError(409, USERNAME_TAKEN)
    _check_cameras(db, body.cameras)
    _policy(body.password, body.role)
    user = create_user(db, body.username, body.password, body.role, body.full_name)
    set_user_cameras(db, user.id, body.cameras)
    audit(
        db,
        admin.username,
        "user_create",
        target=body.username,
        client_ip=client_ip(request),
        role=body.role,
        cameras=sorted(body.cameras),
    )
    db.commit()
    return account_out(db, user)


@router.patch("/users/{user_id}", response_model=UserAccountOut)
def update_user(
    user_id: RowId, body: UserPatch, request: Request, admin: UsersAdmin, db: SessionDep
) -> UserAccountOut:
    user = db.get(User, user_id)
    if user is None:
        raise ApiError(404, USER_NOT_FOUND)
    if user.id == admin.id and (body.active is False or (body.role is not None and body.role != "admin")):
        raise ApiError(409, SELF_DEMOTE)
    if body.cameras is not None:
        _check_cameras(db, body.cameras)
        set_user_cameras(db, user.id, body.cameras)
    if body.password is not None:
        _policy(body.password, body.role or user.role)
        user.password_hash = hash_password(body.password)
        unlock(db, user.username)  # an admin resetting a password also lifts a lockout
        end_sessions(db, user.id)  # whoever knew the old password is logged out everywhere
    for name in ("role", "full_name", "active"):
        value = getattr(body, name)
        if value is not None:
            setattr(user, name, value)
    changed = sorted(body.model_dump(exclude_unset=True))
    audit(
        db,
        admin.username,
        "user_update",
        target=user.username,
        client_ip=client_ip(request),
        fields=changed,
        role=user.role,
        active=user.active,
    )
    db.commit()
    return account_out(db, user)


@router.post("/auth/password", status_code=204)
def change_password(body: PasswordChange, request: Request, user: CurrentUser, db: SessionDep) -> None:
    """Change one's own password; the old one is checked with the same lockout as a login."""
    try:
        authenticate(db, user.username, body.old_password, client_ip=client_ip(request))
    except LoginError as error:
        db.commit()  # keep the failure count
        if error.locked_until is None:
            raise ApiError(403, OLD_PASSWORD_WRONG) from None
        raise ApiError(403, ACCOUNT_LOCKED, locked_until=error.locked_until.isoformat()) from None
    _policy(body.new_password, user.role)
    user.password_hash = hash_password(body.new_password)
    end_sessions(db, user.id, keep_token=request_token(request))  # other devices must log in again
    audit(db, user.username, "password_change", target=user.username, client_ip=client_ip(request))
    db.commit()
