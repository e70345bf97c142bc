"""Users, argon2 password hashing, login sessions and lockout.

Lockout follows Vietnamese state guidance for camera systems: 5 failed logins within 30 s lock
the account for 5 minutes. Session tokens are random; only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vms.db.models import LoginSession, User

ROLES = ("admin", "installer", "operator", "investigator", "viewer")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(seconds=30)
LOCK_DURATION = timedelta(minutes=5)

_hasher = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal valid user names.
_DUMMY_HASH = _hasher.hash("not-a-real-password-1A")


MIN_PASSWORD_LENGTH = 8
# What a password may lack: problem code -> English wording (the UI has its own vi/en texts).
PASSWORD_NEEDS = {
    "length": "at least {min_length} characters",
    "lower": "a lower-case letter",
    "upper": "an upper-case letter",
    "digit": "a digit",
}


class PasswordPolicyError(ValueError):
    """The password is too weak. `problems` are codes of what is missing (e.g. "upper"), for the UI."""

    def __init__(self, problems: list[str], min_length: int = MIN_PASSWORD_LENGTH):
        self.problems = problems
        self.min_length = min_length
        super().__init__("password needs " + ", ".join(
            PASSWORD_NEEDS[p].format(min_length=min_length) for p in problems))


class LoginError(Exception):
    """Login refused. `locked_until` is set when the account is locked."""

    def __init__(self, message: str, locked_until: datetime | None = None):
        super().__init__(message)
        self.locked_until = locked_until


def check_password_policy(password: str) -> None:
    """At least 8 characters with lower case, upper case and a digit."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("length")
    if not re.search(r"[a-z]", password):
        problems.append("lower")
    if not re.search(r"[A-Z]", password):
        problems.append("upper")
    if not re.search(r"\d", password):
        problems.append("digit")
    if problems:
        raise PasswordPolicyError(problems)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: str, full_name: str = "") -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_password_policy(password)
    user = User(username=username, password_hash=hash_password(password), role=role, full_name=full_name)
    session.add(user)
    session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class IssuedSession:
    token: str
    user: User
    expires_at: datetime


def authenticate(session: Session, username: str, password: str, now: datetime | None = None) -> User:
    """Check credentials with lockout; raise LoginError. The caller commits the session."""
    now = now or datetime.now(timezone.utc)
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        raise LoginError("wrong user name or password")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginError("account locked after repeated failures", locked_until=user.locked_until)
    if not _verify(user.password_hash, password):
        _record_failure(user, now)
        if user.locked_until is not None and user.locked_until > now:
            raise LoginError("account locked after repeated failures", locked_until=user.locked_until)
        raise LoginError("wrong user name or password")
    user.failed_logins = 0
    user.first_failed_at = None
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _record_failure(user: User, now: datetime) -> None:
    if user.first_failed_at is None or now - user.first_failed_at > FAILURE_WINDOW:
        user.first_failed_at = now
        user.failed_logins = 0
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = now + LOCK_DURATION
        user.failed_logins = 0
        user.first_failed_at = None


def issue_session(session: Session, user: User, hours: float, client_ip: str = "") -> IssuedSession:
    token = secrets.token_urlsafe(32)
    expires = datetime.now(timezone.utc) + timedelta(hours=hours)
    session.add(LoginSession(token_hash=_token_hash(token), user_id=user.id, expires_at=expires, client_ip=client_ip))
    return IssuedSession(token=token, user=user, expires_at=expires)


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    now = now or datetime.now(timezone.utc)
    row = session.get(LoginSession, _token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def ensure_admin(session: Session, password: str | None) -> str | None:
    """Create the first admin if there are no users. Returns the generated password, if any."""
    if session.scalars(select(User.id).limit(1)).first() is not None:
        return None
    generated = None
    if not password:
        generated = "Vms7-" + secrets.token_urlsafe(9)  # meets the policy whatever the random part
        password = generated
    create_user(session, "admin", password, "admin", full_name="Administrator")
    return generated
