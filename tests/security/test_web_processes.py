"""Threat: a flood against a site serving its API from several processes (`server.workers: 2`).

Each web process has its own event loop, GIL and admission slots; cameras, storage and the process
map stay in the site's process. These tests prove what must hold across processes on the real
service, over real HTTP: a flood still gets only answers or fast 503s and /health always answers; a
camera created through the helper (the site's process paused with SIGSTOP, so only the helper can
accept) records once the site's process runs again; /metrics in any process lists every process;
and no helper outlives the service, even one killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.peers import processes
from tests.security import flood
from tests.security import service as svc
from tests.security.test_overload import FLOOD_CLIENTS, FLOOD_REQUESTS, _kinds

NEW_CAMERA = "cam-qua-helper"


@pytest.fixture(scope="module")
def service_extra() -> dict[str, Any]:
    return {"server": {"workers": 2, "max_active_requests": 2, "queue_timeout_s": 0.3}}


def _children(service: svc.Service) -> list[int]:
    listing = subprocess.run(["ps", "-o", "pid=", "--ppid", str(service.process.pid)], capture_output=True, text=True)
    return [int(pid) for pid in listing.stdout.split()]


def _comm(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_flood_on_two_processes_gets_answers_or_fast_503s(service: svc.Service) -> None:
    operator = service.client("operator")
    cookie = "; ".join(f"{k}={v}" for k, v in operator.cookies.items())
    answers = asyncio.run(flood.flood(service.port, cookie, _kinds(), FLOOD_CLIENTS, timeout_s=60,
                                      count=FLOOD_REQUESTS))
    statuses = Counter((a.kind, a.status) for a in answers)
    assert len(answers) == FLOOD_CLIENTS * FLOOD_REQUESTS
    assert all(a.status in (200, 503) for a in answers), statuses
    assert all(a.status == 200 for a in answers if a.kind == "health"), statuses
    assert all(a.retry_after == "1" for a in answers if a.status == 503)
    assert statuses[("search", 200)] > 0


def test_metrics_in_any_process_list_every_process(service: svc.Service) -> None:
    admin = service.client("admin")
    deadline = time.monotonic() + 60
    while True:  # the process map is written every 2 s; ask on fresh connections (either process)
        texts = [httpx.get(f"{service.url}/metrics", cookies=admin.cookies, timeout=30, trust_env=False).text
                 for _ in range(4)]
        if all('process="web:2"' in text and 'process="web"' in text for text in texts):
            break
        assert time.monotonic() < deadline, texts[0][-2000:]
        time.sleep(1)


def _footage_seconds(service: svc.Service, camera_id: str) -> float:
    from vms.db.models import Segment

    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session:
            first, last = session.execute(select(func.min(Segment.start), func.max(Segment.end))
                                          .where(Segment.camera_id == camera_id)).one()
    finally:
        engine.dispose()
    return 0.0 if first is None else (last - first).total_seconds()


def test_a_camera_added_through_the_helper_records(service: svc.Service) -> None:
    """The helper cannot start camera workers itself: it tells the site's process, which does."""
    admin = service.client("admin")
    os.kill(service.process.pid, signal.SIGSTOP)  # now only the helper accepts connections
    try:
        with httpx.Client(base_url=service.url, cookies=admin.cookies, timeout=60, trust_env=False) as helper:
            created = helper.post("/api/cameras", json={"id": NEW_CAMERA, "name": "Qua tiến trình phụ",
                                                        "source": {"type": "sim", "scene": "street_day", "seed": 2}})
            assert created.status_code == 201, created.text
            assert helper.get("/health").json() == {"status": "ok", "database": True}
    finally:
        os.kill(service.process.pid, signal.SIGCONT)
    deadline = time.monotonic() + 120
    while _footage_seconds(service, NEW_CAMERA) < 2:
        assert service.process.poll() is None
        assert time.monotonic() < deadline, "the new camera never recorded: " + svc.log_text(service)[-2000:]
        time.sleep(1)
    assert admin.delete(f"/api/cameras/{NEW_CAMERA}").status_code in (200, 204)


def test_no_helper_outlives_the_service_even_killed_hard(service: svc.Service) -> None:
    children = _children(service)
    assert [pid for pid in children if _comm(pid) == "vms-web"], children  # the helper web process
    processes.kill_hard(service.process)  # SIGKILL by PID: no graceful stop, no cleanup code runs
    deadline = time.monotonic() + 60
    while [pid for pid in children if _alive(pid)]:  # helper, camera worker, detector: all follow
        left = {pid: _comm(pid) for pid in children if _alive(pid)}
        assert time.monotonic() < deadline, f"still running after the service was killed: {left}"
        time.sleep(0.5)
