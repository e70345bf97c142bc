"""Users, argon2 password hashing, login sessions and lockout.

Lockout follows Vietnamese state guidance for camera systems: 5 failed logins within 30 s lock
the account for 5 minutes, but only for the client address the failures came from, so nobody on
the internet can keep an administrator locked out from the control room. An address that fails
20 times within 5 minutes (any user names: password spraying) is throttled as a whole. Unknown and
known user names get the same answers with the same work (an argon2 check, or none when locked),
so the answers do not tell which accounts exist. `unlock` (CLI `vms users unlock`, or an admin
password reset) lifts a user's locks. Session tokens are random; only their SHA-256 is stored;
changing or resetting a password ends the user's other sessions.
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

from vms.db.models import LoginFailure, LoginSession, User

ROLES = ("admin", "installer", "operator", "investigator", "viewer")
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(seconds=30)
LOCK_DURATION = timedelta(minutes=5)
ADDRESS_MAX_FAILURES = 20  # from one client address, any user names
ADDRESS_WINDOW = timedelta(minutes=5)
_SEP = "\x1f"

_hasher = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal valid user names.
_DUMMY_HASH = _hasher.hash("not-a-real-password-1A")


MIN_PASSWORD_LENGTH = 8
# What a password may lack: problem code -> English wording (the UI has its own vi/en texts).
PASSWORD_NEEDS = {
    "common": "not a common word or a repeated letter",
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


# Words that make a password guessable whatever digits and capitals are added (Password1, Admin123,
# Matkhau1): English and Vietnamese favourites, keyboard runs, and this software's own names.
COMMON_WORDS = frozenset("""
password passwd passw pass admin administrator root user guest login welcome letmein qwerty qwertyuiop
asdf asdfgh asdfghjkl zxcvbn abc abcd abcdef abcdefg abcdefgh iloveyou monkey dragon master shadow sunshine
princess football baseball superman batman trustno secret changeme default camera cameras vms antt
matkhau matkhaumoi quantri quantrivien congan conganxa hanoi saigon vietnam anhyeuem emyeuanh
""".split())
ADMIN_MIN_LENGTH = 12


def _guessable(password: str) -> bool:
    """True for a common word with digits/capitals added, or one or two letters repeated (Aaaaaaa1)."""
    core = "".join(c for c in password.lower() if c.isalpha())
    return core in COMMON_WORDS or len(set(core)) <= 2


def check_password_policy(password: str, role: str | None = None) -> None:
    """At least 8 characters (12 for admins) with lower case, upper case and a digit, not guessable."""
    minimum = ADMIN_MIN_LENGTH if role == "admin" else MIN_PASSWORD_LENGTH
    problems = []
    if len(password) < minimum:
        problems.append("length")
    if not re.search(r"[a-z]", password):
        problems.append("lower")
    if not re.search(r"[A-Z]", password):
        problems.append("upper")
    if not re.search(r"\d", password):
        problems.append("digit")
    if _guessable(password):
        problems.append("common")
    if problems:
        raise PasswordPolicyError(problems, minimum)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: str, full_name: str = "") -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_password_policy(password, role)
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


def _keys(username: str, client_ip: str) -> tuple[str, str]:
    """Lock keys: (this address + this user name, this address for any user name)."""
    return f"{client_ip}{_SEP}{username.lower()}", f"{client_ip}{_SEP}*"


def _lock_of(session: Session, keys: tuple[str, ...], now: datetime) -> datetime | None:
    rows = session.scalars(select(LoginFailure).where(LoginFailure.key.in_(keys))).all()
    until = [row.locked_until for row in rows if row.locked_until is not None and row.locked_until > now]
    return max(until) if until else None


def authenticate(session: Session, username: str, password: str, client_ip: str = "",
                 now: datetime | None = None) -> User:
    """Check credentials with lockout per client address; raise LoginError. The caller commits."""
    now = now or datetime.now(timezone.utc)
    keys = _keys(username, client_ip)
    locked = _lock_of(session, keys, now)
    if locked is not None:
        raise LoginError("too many failed logins from this address; try again later", locked_until=locked)
    user = session.scalars(select(User).where(User.username == username)).first()
    known = user is not None and user.active
    if not _verify(user.password_hash if known else _DUMMY_HASH, password) or not known:
        _record_failure(session, keys[0], now, MAX_FAILURES, FAILURE_WINDOW)
        _record_failure(session, keys[1], now, ADDRESS_MAX_FAILURES, ADDRESS_WINDOW)
        locked = _lock_of(session, keys, now)
        if locked is not None:
            raise LoginError("too many failed logins from this address; try again later", locked_until=locked)
        raise LoginError("wrong user name or password")
    assert user is not None
    session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _record_failure(session: Session, key: str, now: datetime, limit: int, window: timedelta) -> None:
    row = session.get(LoginFailure, key)
    if row is None:
        row = LoginFailure(key=key, failures=0, first_failed_at=now)
        session.add(row)
    if row.first_failed_at is None or now - row.first_failed_at > window:
        row.first_failed_at, row.failures = now, 0
    row.failures += 1
    if row.failures >= limit:
        row.locked_until, row.failures, row.first_failed_at = now + LOCK_DURATION, 0, None
    session.flush()


def unlock(session: Session, username: str) -> int:
    """Lift every lock of a user name (from any address); returns how many were lifted."""
    rows = session.scalars(select(LoginFailure).where(LoginFailure.key.endswith(f"{_SEP}{username.lower()}"))).all()
    for row in rows:
        session.delete(row)
    return len(rows)


def locked_until(session: Session, username: str, now: datetime | None = None) -> datetime | None:
    """The latest lock on this user name from any address, if one is in force."""
    now = now or datetime.now(timezone.utc)
    rows = session.scalars(select(LoginFailure.locked_until).where(
        LoginFailure.key.endswith(f"{_SEP}{username.lower()}"), LoginFailure.locked_until > now)).all()
    return max(rows) if rows else None


def end_sessions(session: Session, user_id: int, keep_token: str | None = None) -> None:
    """End every session of a user (but `keep_token`'s): after a password change or reset."""
    query = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep_token:
        query = query.where(LoginSession.token_hash != _token_hash(keep_token))
    session.execute(query)


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


def login_session(session: Session, token: str) -> LoginSession | None:
    """The stored login session of `token` (None if there is none)."""
    return session.get(LoginSession, _token_hash(token))


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
