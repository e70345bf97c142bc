"""Threat: a flood of requests (or a few slow ones) that makes the service wait 30 s and time out.

The service admits `server.max_active_requests` requests at once; the others wait at most
`server.queue_timeout_s`, then get a fast 503 `server.busy` with Retry-After. /health never queues.
Here two slow clients (a body announced but never sent: the request sits inside the application)
take both slots of a site allowing two; real HTTP, real service.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx
import pytest

from tests.security import service as svc


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
