"""/health that answers under any load: the database checked in the background, the answer on the event loop.

Before, /health ran a `SELECT 1` per request on the API's threadpool and database pool. Under a flood
(issue 14 item 21: 512 keep-alive clients) a quarter of the requests were /health: they took every
thread and pooled connection, so the admitted API requests could not run and /health itself timed out.
Now one thread (`DatabaseProbe`) checks the database every `interval_s` on its own connection, and a
pure ASGI middleware (`HealthFastPath`, outside admission control, body limits and the framework)
answers GET/HEAD /health from the last check: no thread, no pool, no routing. A check older than
`stale_s` (a hung database, a stuck probe) answers `degraded`, so a monitor still sees the truth.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Awaitable, Callable

from sqlalchemy import Engine, create_engine, text

from vms.api.headers import FAST_ANSWER_HEADERS

log = logging.getLogger(__name__)
HEALTH_PATH = "/health"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _probe_engine(engine: Engine) -> Engine:
    """A one-connection engine of its own (the API's pool may be exhausted); in-memory SQLite: the same."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and (url.database in (None, "", ":memory:")):
        return engine
    if url.get_backend_name() == "sqlite":
        return create_engine(url, pool_size=1, max_overflow=0, connect_args={"timeout": 5})
    return create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)


class DatabaseProbe:
    """Checks the database every `interval_s` on a thread; `healthy()` reads the last result."""

    def __init__(self, engine: Engine, interval_s: float = 1.0, stale_s: float = 5.0):
        self._shared = engine
        self._engine: Engine | None = None
        self.interval_s = interval_s
        self.stale_s = stale_s
        self._ok = False
        self._checked_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check_once(self) -> bool:
        """One real query that reads the database file (SQLite's `SELECT 1` would not)."""
        if self._engine is None:
            self._engine = _probe_engine(self._shared)
        query = "SELECT count(*) FROM sqlite_master" if self._engine.url.get_backend_name() == "sqlite" else "SELECT 1"
        try:
            with self._engine.connect() as connection:
                connection.execute(text(query))
            ok = True
        except Exception as exc:  # any database failure means "degraded", never an error here
            log.warning("health: database check failed: %s", exc)
            ok = False
        self._ok, self._checked_at = ok, time.monotonic()
        return ok

    def healthy(self) -> bool:
        checked = self._checked_at
        if self._thread is None and (checked is None or time.monotonic() - checked > self.interval_s):
            return self.check_once()  # no background thread (an app without lifespan, in tests)
        return self._ok and checked is not None and time.monotonic() - checked <= self.stale_s

    def start(self) -> None:
        if self._thread is not None:
            return
        self.check_once()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="health-probe", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.check_once()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=10)
        if self._engine is not None and self._engine is not self._shared:
            self._engine.dispose()
        self._engine = None


def health_body(database_ok: bool) -> bytes:
    return json.dumps({"status": "ok" if database_ok else "degraded", "database": database_ok}).encode()


_HEALTH_BODIES = {ok: health_body(ok) for ok in (True, False)}


class HealthFastPath:
    """ASGI middleware: GET/HEAD /health answered from the probe, before anything that can queue."""

    def __init__(self, app: Callable[..., Awaitable[None]], probe: DatabaseProbe):
        self.app = app
        self.probe = probe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != HEALTH_PATH or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body = _HEALTH_BODIES[self.probe.healthy()]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"cache-control", b"no-store"), *FAST_ANSWER_HEADERS]})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
