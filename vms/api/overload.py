"""Graceful degradation under overload (issue 14 item 21): a fast 503 with Retry-After, never 30 s waits.

A pure ASGI middleware admits at most `server.max_active_requests` HTTP requests at once; a request
that finds them all busy waits at most `server.queue_timeout_s` for a free slot, then gets
503 `server.busy` with `Retry-After`. At most as many requests wait as there are slots: one that
arrives behind a full queue gets its 503 at once (an admitted request's latency is then bounded by
about two service times, not by the queue timeout, and a flood's waiters cost the loop nothing). The database pool is sized from the same number (vms.db.engine:
pool = max_active_requests + a reserve), so an admitted request never waits on the pool, and the
threadpool (anyio's, 40 by default) is raised above it. /metrics never waits behind API requests:
it has a small lane of its own (`SIDE_LANE` at once, same bounded wait), so monitoring sees a busy
service as busy, not dead, and a flood of scrapes cannot take the threads either. The UI's static
files skip the queue (a page loads dozens of modules at once; each is a short file read). /health
does not get here at all (vms.api.liveness answers it first). WebSocket traffic is not touched. A request holds its slot until its response headers are sent, so a
long-lived response (Server-Sent Events, a big download) does not hold one while it streams.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any, Awaitable, Callable

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout

from vms.api.errors import register
from vms.api.headers import FAST_ANSWER_HEADERS

BUSY = register("server.busy", "the server is busy; retry in {retry_after} s")
THREAD_RESERVE = 16
WAITING_PER_SLOT = 1  # queue length per admission slot (see Admission.max_waiting)
SIDE_LANE = 8  # /metrics at once (< THREAD_RESERVE: threads stay for the rest)
# /api/events/stream is the alarm push (SSE): open for hours per page, it would hold a slot for its
# whole life; it holds no DB session nor thread while open (vms.api.push), so it is never queued.
UNQUEUED_PATHS = ("/api/events/stream",)
UNQUEUED_PREFIXES = ("/static/",)
SIDE_LANE_PATHS = ("/health", "/metrics")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _unqueued(path: str) -> bool:
    return path in UNQUEUED_PATHS or path.startswith(UNQUEUED_PREFIXES)


class Admission:
    """ASGI middleware: at most `max_active` requests inside the application, a bounded wait for the rest."""

    def __init__(self, app: Callable[..., Awaitable[None]], max_active: int = 16, queue_timeout_s: float = 1.0,
                 retry_after_s: int = 1, max_waiting: int | None = None):
        self.app = app
        self.max_active = max_active
        self.queue_timeout_s = queue_timeout_s
        self.retry_after_s = retry_after_s
        # Waiting requests beyond this are refused at once: a request behind more than about one
        # round of service would mostly time out anyway, and meanwhile its wait costs the loop.
        self.max_waiting = max_active * WAITING_PER_SLOT if max_waiting is None else max_waiting
        self._waiting: dict[asyncio.Semaphore, int] = {}  # per lane
        self._slots: asyncio.Semaphore | None = None  # made on the server's event loop
        self._side: asyncio.Semaphore | None = None
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _unqueued(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self._slots is None or self._side is None:
            self._slots, self._side = asyncio.Semaphore(self.max_active), asyncio.Semaphore(SIDE_LANE)
            _widen_threadpool(self.max_active)
        slots = self._side if scope["path"] in SIDE_LANE_PATHS else self._slots
        if not await self._admit(slots):
            self.refused += 1
            await busy_response(send, self.retry_after_s)
            return
        held = True

        async def send_then_release(message: dict[str, Any]) -> None:
            nonlocal held
            if held and message["type"] == "http.response.start":
                # The work is done once the headers go: a long body (a download, Server-Sent
                # Events) must not keep a slot for its whole life.
                held = False
                slots.release()
            await send(message)

        try:
            await self.app(scope, receive, send_then_release)
        finally:
            if held:
                slots.release()


    async def _admit(self, slots: asyncio.Semaphore) -> bool:
        """Take a slot: at once if one is free, else after a bounded wait in a bounded queue."""
        if not slots.locked():
            await slots.acquire()  # free: returns without suspending
            return True
        waiting = self._waiting.get(slots, 0)
        if waiting >= self.max_waiting:
            return False
        self._waiting[slots] = waiting + 1
        try:
            await asyncio.wait_for(slots.acquire(), self.queue_timeout_s)
            return True
        except (asyncio.TimeoutError, TimeoutError):
            return False
        finally:
            self._waiting[slots] -= 1


def _widen_threadpool(max_active: int) -> None:
    """Sync routes run in anyio's threadpool: keep room above the admitted requests for the unqueued ones."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(limiter.total_tokens, max_active + THREAD_RESERVE)


def install_pool_timeout(app: FastAPI) -> None:
    """A database pool wait that still times out (a reserve exhausted) is a 503 too, never a 500."""

    async def pool_timeout(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse(json.loads(busy_body(1)), status_code=503,
                            headers={"Retry-After": "1", "Cache-Control": "no-store"})

    app.add_exception_handler(PoolTimeout, pool_timeout)


def busy_body(retry_after_s: int) -> bytes:
    detail = {"code": BUSY, "message": f"the server is busy; retry in {retry_after_s} s",
              "params": {"retry_after": retry_after_s}}
    return json.dumps({"detail": detail}).encode()


@functools.lru_cache(maxsize=8)
def _busy(retry_after_s: int) -> tuple[bytes, tuple[tuple[bytes, bytes], ...]]:
    body = busy_body(retry_after_s)
    return body, ((b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                  (b"retry-after", str(retry_after_s).encode()), (b"cache-control", b"no-store"),
                  *FAST_ANSWER_HEADERS)


async def busy_response(send: Send, retry_after_s: int) -> None:
    """The 503: made once per Retry-After value (under a flood, most answers are this one)."""
    body, headers = _busy(retry_after_s)
    await send({"type": "http.response.start", "status": 503, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


def model_response(model: BaseModel) -> Response:
    """`model` as JSON, serialised once. A route that returns a model has FastAPI dump it to a dict,
    validate that dict against the response model again and encode it (three passes: for the
    timeline's hundreds of events, two thirds of the request's CPU). Keep `response_model=` on the
    route for the schema; return this from a hot route whose return value is already that model."""
    return Response(model.model_dump_json(), media_type="application/json")
