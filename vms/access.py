"""Who may do what: role capabilities and per-camera access.

One table (from the issue-5 contract) maps each capability to the roles holding it; admin holds
every capability. Per-camera access narrows what a user sees: a user with camera rows sees only
those cameras, and anything of another camera answers 404 as if it did not exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vms.db.models import User, UserCamera

CAPABILITIES: dict[str, frozenset[str]] = {
    "live": frozenset({"admin", "installer", "operator", "investigator", "viewer"}),
    "events": frozenset({"admin", "operator", "investigator", "viewer"}),
    "search": frozenset({"admin", "operator", "investigator"}),
    "playback": frozenset({"admin", "installer", "operator", "investigator"}),
    "export": frozenset({"admin", "investigator"}),
    "cameras": frozenset({"admin", "installer"}),
    "users": frozenset({"admin"}),
    "reports": frozenset({"admin", "operator", "investigator"}),
    "alarms": frozenset({"admin", "operator", "investigator"}),  # acknowledge / false alarm / handled
    # The programme's records: camera files and the map (owners' contacts included), maintenance tickets.
    "records": frozenset({"admin", "installer", "operator", "investigator"}),
    "records_edit": frozenset({"admin", "installer"}),
    "maintenance": frozenset({"admin", "installer", "operator"}),
    # The node's health page: per-camera decode/analysis rates, drops, detector load, CPU/RSS per process.
    "health": frozenset({"admin", "installer", "operator"}),
}


def can(user: User, capability: str) -> bool:
    return user.role == "admin" or user.role in CAPABILITIES[capability]


def camera_scope(session: Session, user: User) -> frozenset[str] | None:
    """The cameras `user` may see, or None for all of them."""
    rows = session.scalars(select(UserCamera.camera_id).where(UserCamera.user_id == user.id)).all()
    return frozenset(rows) if rows else None


def sees_camera(scope: frozenset[str] | None, camera_id: str | None) -> bool:
    """Events without a camera (storage alarms) are site-wide: only unrestricted users see them."""
    if scope is None:
        return True
    return camera_id is not None and camera_id in scope


def user_camera_ids(session: Session, user_id: int) -> list[str]:
    return sorted(session.scalars(select(UserCamera.camera_id).where(UserCamera.user_id == user_id)))


def set_user_cameras(session: Session, user_id: int, camera_ids: list[str]) -> None:
    """Replace a user's camera list (empty = all cameras)."""
    for row in session.scalars(select(UserCamera).where(UserCamera.user_id == user_id)):
        session.delete(row)
    session.flush()
    for camera_id in sorted(set(camera_ids)):
        session.add(UserCamera(user_id=user_id, camera_id=camera_id))
