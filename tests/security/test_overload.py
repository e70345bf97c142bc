"""Threat: a flood of requests (or a few slow ones) that makes the service wait 30 s and time out.

The service admits `server.max_active_requests` requests at once; the others wait at most
`server.queue_timeout_s`, then get a fast 503 `server.busy` with Retry-After. /health never queues:
it is answered from a background database check before admission control. Here two slow clients
(a body announced but never sent: the request sits inside the application) take both slots of a
site allowing two, and a bounded flood of keep-alive clients (a quarter of them asking /health, as
a monitor or a load balancer would) meets the same site; real HTTP, real service.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.security import flood
from tests.security import service as svc
from vms.api.liveness import DatabaseProbe, health_body
from vms.db.engine import make_engine

FLOOD_CLIENTS = 256  # well over the site's 2 slots, its threadpool (2 + 16) and its pool (2 + 8 + 8)
FLOOD_REQUESTS = 6  # per client: bounded in count, not in time


@pytest.fixture(scope="module")
def service_extra() -> dict[str, Any]:
    return {"server": {"max_active_requests": 2, "queue_timeout_s": 0.3}}


def _slow_request(port: int) -> socket.socket:
    """A login whose body never arrives: the application holds its slot, waiting for the body."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{\"username\":")
    return conn


def test_saturated_service_answers_503_fast_and_health_stays_up(service: svc.Service) -> None:
    viewer = service.client("viewer")
    assert viewer.get("/api/cameras").status_code == 200
    slow = [_slow_request(service.port) for _ in range(2)]
    try:
        time.sleep(0.5)  # both are inside the application now
        started = time.monotonic()
        answer = viewer.get("/api/cameras")
        waited = time.monotonic() - started
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "1"
        assert answer.json()["detail"]["code"] == "server.busy"
        assert waited < 10  # bounded by the queue timeout (0.3 s), not the old 30 s pool wait
        health = httpx.get(f"{service.url}/health", timeout=10, trust_env=False)
        assert health.status_code == 200 and health.json()["database"] is True
    finally:
        for conn in slow:
            conn.close()
    deadline = time.monotonic() + 10
    while viewer.get("/api/cameras").status_code != 200:  # the slots come back once the clients left
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_open_connections_do_not_keep_slots(service: svc.Service) -> None:
    """A slot is released when the response headers go (so Server-Sent Events and downloads do not
    keep one while they stream); here three answered keep-alive connections left open, in a 2-slot site."""
    viewer = service.client("viewer")
    held = []
    try:
        for _ in range(3):
            conn = socket.create_connection(("127.0.0.1", service.port), timeout=10)
            conn.sendall(b"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         + b"Cookie: vms_session=" + viewer.cookies["vms_session"].encode() + b"\r\n\r\n")
            assert conn.recv(12).startswith(b"HTTP/1.1 200")  # answered; the connection stays open
            held.append(conn)
        assert viewer.get("/api/cameras").status_code == 200
    finally:
        for conn in held:
            conn.close()


def _kinds() -> list[tuple[str, str]]:
    now = datetime.now(timezone.utc)
    start = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    end = now.isoformat().replace("+00:00", "Z")
    return [("search", f"/api/events?limit=50&start={start}&end={end}"), ("cameras", "/api/cameras"),
            ("timeline", f"/api/timeline?start={start}&end={end}"), ("health", "/health")]


def test_a_flood_gets_answers_or_fast_503s_and_health_always_answers(service: svc.Service) -> None:
    """Before, /health ran on the threadpool and the database pool: a flood with many /health requests took
    every thread and connection, admitted requests starved and /health itself timed out. Now every request
    is answered (200, or 503 server.busy + Retry-After), nothing else, and every /health says healthy."""
    viewer = service.client("operator")
    cookie = "; ".join(f"{k}={v}" for k, v in viewer.cookies.items())
    # Generous per-request timeout: a liveness bound on a loaded machine, not a speed target.
    answers = asyncio.run(flood.flood(service.port, cookie, _kinds(), FLOOD_CLIENTS, timeout_s=60,
                                      count=FLOOD_REQUESTS, keep_bodies=True))
    assert len(answers) == FLOOD_CLIENTS * FLOOD_REQUESTS
    statuses = Counter((a.kind, a.status) for a in answers)
    assert all(a.status in (200, 503) for a in answers), statuses
    for answer in answers:
        if answer.status == 503:
            assert answer.retry_after == "1"
            assert json.loads(answer.body)["detail"]["code"] == "server.busy"
    health = [a for a in answers if a.kind == "health"]
    assert len(health) == FLOOD_CLIENTS * FLOOD_REQUESTS // 4
    assert all(a.status == 200 for a in health), statuses
    # (before: "degraded, database false" under the flood: its SELECT 1 waited on an exhausted pool)
    assert Counter(a.body for a in health) == {b'{"status": "ok", "database": true}': len(health)}
    assert statuses[("search", 200)] > 0  # admitted requests ran (they did not starve behind /health)
    assert viewer.get("/api/cameras").status_code == 200  # and the service is itself again at once


def test_health_reports_an_unreadable_database_as_degraded(tmp_path: Path) -> None:
    """The background check really reads the database: a file that is not one answers degraded."""
    broken = tmp_path / "vms.db"
    broken.write_bytes(b"this is not an SQLite database" * 100)
    engine = make_engine(f"sqlite:///{broken}")
    probe = DatabaseProbe(engine, interval_s=0.2)
    try:
        assert probe.healthy() is False
        assert json.loads(health_body(probe.healthy())) == {"status": "degraded", "database": False}
    finally:
        probe.stop()
        engine.dispose()


def test_a_request_behind_a_full_queue_is_refused_at_once() -> None:
    """At most `max_active` requests wait for a slot; the next one gets its 503 without waiting
    (its wait would cost the loop a timer and mostly end in a 503 anyway). No timing: the waiters'
    queue timeout is long, and the refusal arrives while they still wait."""
    from vms.api.overload import Admission

    async def scenario() -> None:
        release = asyncio.Event()

        async def app(_scope: dict, _receive: Any, send: Any) -> None:
            await release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        admission = Admission(app, max_active=2, queue_timeout_s=60)
        statuses: list[list[int]] = []

        def request() -> asyncio.Task[None]:
            sent: list[int] = []
            statuses.append(sent)

            async def send(message: dict) -> None:
                if message["type"] == "http.response.start":
                    sent.append(message["status"])

            scope = {"type": "http", "path": "/api/events", "method": "GET", "headers": []}
            return asyncio.create_task(admission(scope, lambda: None, send))

        held_and_waiting = [request() for _ in range(4)]  # 2 inside, 2 waiting
        for _ in range(5):
            await asyncio.sleep(0)
        refused = request()
        await asyncio.wait_for(refused, 5)  # answered although nobody left the application
        assert statuses[4] == [503]
        assert not any(task.done() for task in held_and_waiting)
        release.set()
        await asyncio.gather(*held_and_waiting)
        assert statuses[:4] == [[200]] * 4  # the two waiters got their turn

    asyncio.run(scenario())
