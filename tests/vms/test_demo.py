"""The README's main job: `vms demo` records simulated cameras and serves the UI, then stops cleanly."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from camera_drivers.segments import decodable_frames
from tests.peers import processes
from vms.db.engine import make_engine, make_session_factory
from vms.db.models import Segment

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo-Passw0rd"


def test_demo_records_and_serves(tmp_path: Path) -> None:
    port = processes.free_port()
    data = tmp_path / "site"
    demo = processes.start([sys.executable, "-m", "vms.cli", "demo", "--data", str(data), "--port", str(port),
                            "--duration", "45"], tmp_path / "demo.log", env={"VMS_ADMIN_PASSWORD": PASSWORD}, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        processes.wait_healthy(base, demo)
        assert httpx.get(f"{base}/api/cameras").status_code == 401
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD}).status_code == 200
            deadline = time.monotonic() + 40  # workers import the detection stack before connecting
            while True:
                cameras = client.get("/api/cameras").json()
                if all(c["status"] and c["status"]["online"] for c in cameras) or time.monotonic() > deadline:
                    break
                time.sleep(1)
            assert len(cameras) == 4
            assert all(c["status"] and c["status"]["online"] for c in cameras), cameras
            assert "Camera giám sát ANTT" in client.get("/").text
        assert demo.wait(timeout=60) == 0, (tmp_path / "demo.log").read_text()
    finally:
        processes.stop(demo)
    factory = make_session_factory(make_engine(f"sqlite:///{data / 'state' / 'vms.db'}"))
    with factory() as session:
        segments = list(session.scalars(select(Segment)))
    assert {s.camera_id for s in segments} == {"cho-trung-tam", "nga-ba-truong", "duong-de", "quoc-lo"}
    assert all(decodable_frames(data / "recordings" / s.path) > 0 for s in segments)
    assert not list((data / "recordings").rglob("*.partial"))  # a clean stop finishes every segment
