"""Engine and session factory. SQLite runs in WAL mode so workers and the API can share it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


POOL_RESERVE = 8  # connections beyond the API's admitted requests: /health, the janitor, exports


def make_engine(url: str, pool_size: int = 5, pool_timeout_s: float = 30) -> Engine:
    """Create an engine; for SQLite turn on WAL, foreign keys and a busy timeout on each connection.

    The service passes `pool_size` = server.max_active_requests + POOL_RESERVE (vms.api.overload), so
    an admitted request never queues on the pool; a pool wait past `pool_timeout_s` is a 503."""
    pool = {"pool_size": pool_size, "max_overflow": POOL_RESERVE, "pool_timeout": pool_timeout_s}
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            pool = {}
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a process kill
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
