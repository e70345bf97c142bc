"""A SIGKILL of the whole service (power-cut semantics) leaves a consistent index after restart."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
import yaml
from sqlalchemy import select

from camera_drivers.segments import decodable_frames
from tests.peers import processes
from tests.peers.rtsp import RtspServer
from vms.db.engine import make_engine, make_session_factory
from vms.db.models import Event, Segment

pytestmark = [pytest.mark.rtsp, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def start_service(config: Path, data: Path, port: int, log: Path, duration: float | None = None):  # type: ignore[no-untyped-def]
    cmd = [sys.executable, "-m", "vms.cli", "serve", "--config", str(config), "--data", str(data), "--port", str(port)]
    if duration is not None:
        cmd += ["--duration", str(duration)]
    return processes.start(cmd, log, env={"VMS_ADMIN_PASSWORD": "Admin-Passw0rd"}, cwd=ROOT)


def wait_mid_segment(recordings: Path, cameras: tuple[str, ...], timeout_s: float = 90.0) -> None:
    """Until every camera has a finished segment and is writing the next one (then a little more).

    A fixed sleep was mid-segment on a quiet machine only: on a loaded one the workers start seconds
    later (seen: 7-8 s after the service), and a kill before any recording tests nothing."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(any((recordings / c).rglob("*.mp4")) and any((recordings / c).rglob("*.partial")) for c in cameras):
            time.sleep(1.3)  # into the segment: the partial holds a fragment or two
            return
        time.sleep(0.2)
    raise AssertionError(f"no camera of {cameras} was recording within {timeout_s} s")


def test_sigkill_while_recording_then_restart(tmp_path: Path, rtsp_servers: Callable[..., RtspServer]) -> None:
    server = rtsp_servers(cams=2)
    config = tmp_path / "site.yaml"
    config.write_text(yaml.safe_dump({
        "sources": {"camera_networks": ["127.0.0.0/8"]},  # the test RTSP server is on loopback: allowed explicitly
        "recording": {"segment_seconds": 4},
        "cameras": [{"id": f"cam{i}", "name": f"Cam {i}", "source": {"type": "rtsp", "url": server.url(i)},
                     "detection": {"enabled": False}}
                    for i in (1, 2)],
    }), encoding="utf-8")
    data = tmp_path / "data"
    service = start_service(config, data, processes.free_port(), tmp_path / "run1.log")
    wait_mid_segment(data / "recordings", cameras=("cam1", "cam2"))
    os.killpg(service.pid, signal.SIGKILL)  # the service and every worker, like a power cut
    service.wait(timeout=10)
    time.sleep(0.5)
    partials = list((data / "recordings").rglob("*.partial"))
    assert partials, "the kill should have caught segments being written"

    restart = start_service(config, data, processes.free_port(), tmp_path / "run2.log", duration=6)
    assert restart.wait(timeout=90) == 0, (tmp_path / "run2.log").read_text()

    factory = make_session_factory(make_engine(f"sqlite:///{data / 'state' / 'vms.db'}"))
    with factory() as session:
        segments = list(session.scalars(select(Segment)))
        repairs = list(session.scalars(select(Event).where(Event.type == "index_repair")))
    assert not list((data / "recordings").rglob("*.partial"))
    on_disk = {p.relative_to(data / "recordings").as_posix() for p in (data / "recordings").rglob("*.mp4")}
    assert on_disk == {s.path for s in segments}  # every file indexed, every row has its file
    for segment in segments:
        assert decodable_frames(data / "recordings" / segment.path) > 0
    actions = {r.details["action"] for r in repairs}
    assert actions & {"segment_recovered", "partial_removed"}
    recovered_names = {r.details["file"] for r in repairs if r.details["action"] == "segment_recovered"}
    assert recovered_names <= {Path(s.path).name for s in segments}
