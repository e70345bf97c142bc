"""A real VMS service in a subprocess for browser tests: simulated cameras, its own data folder and port.

Seeds what the browser flows need to be deterministic: events with objects inside recorded footage
(so search, event page, playback and export have something to find) and a viewer-role user.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.peers import processes
from vms.auth import create_user
from vms.db.models import Event, EventObject, Segment
from vms.snapshots import latest_keyframe_jpeg

ROOT = Path(__file__).resolve().parents[2]
SCENES = Path(__file__).resolve().parent / "scenes"  # scenes only the browser tests use
ADMIN_PASSWORD = "Admin-Browser-7"
VIEWER = ("xem", "Viewer-Browser-7")
# One user per role besides admin: username -> (password, role, full name).
USERS = {
    VIEWER[0]: (VIEWER[1], "viewer", "Cán bộ xem"),
    "lapdat": ("Installer-Browser-7", "installer", "Kỹ thuật viên"),
    "trucban": ("Operator-Browser-7", "operator", "Cán bộ trực ban"),
    "thamtra": ("Investigator-Browser-7", "investigator", "Điều tra viên"),
}
SITE_NAME = "Công an xã Thử nghiệm"
# Four simulated cameras with short segments so footage is indexed within seconds of start-up.
CAMERAS = [
    ("cho-trung-tam", "Chợ trung tâm", "street_day", 1),
    ("nga-ba-truong", "Ngã ba trường học", "junction_day", 2),
    ("duong-de", "Đường đê", "street_night", 3),
    ("quoc-lo", "Quốc lộ qua xã", "hit_and_run_demo", 4),
]
ANALYSED = "cho-trung-tam"  # the one camera whose analysis runs (no rules: it writes no events)
START_TIMEOUT_S = 60.0
FOOTAGE_TIMEOUT_S = 60.0
FOOTAGE_S = 14.0  # seeded events need this much footage on every camera


@dataclass
class Service:
    data: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    events: dict[str, int] = field(default_factory=dict)  # seeded event type -> id

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{(self.data / 'state' / 'vms.db').resolve()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_config() -> dict:
    return {
        "site_name": SITE_NAME,
        "server": {"host": "127.0.0.1", "port": 8000},
        "recording": {"segment_seconds": 2},
        "storage": {"min_free_gb": 0.1, "check_interval_s": 60},
        # The alarm sound repeats every 2 s here (10 s by default), so a test hears it repeat quickly.
        "alarms": {"types": {"hit_and_run": {"level": "alarm", "repeat_s": 2}}},
        # The UI test adds an unreachable loopback camera; the rule-editor test a camera on a scene of its own.
        "sources": {"camera_networks": ["127.0.0.0/8"], "scene_dirs": [str(SCENES)]},
        # Live event rules off: the tests count the events they seed (the scenes would add real ones).
        # The first camera is analysed with no rules (no events), so the health page has live figures.
        "cameras": [{"id": cid, "name": name, "location": f"Vị trí {i + 1}",
                     "source": {"type": "sim", "scene": scene, "seed": seed}, "retention_days": 7,
                     "detection": {"enabled": True, "rules": []} if cid == ANALYSED else {"enabled": False}}
                    for i, (cid, name, scene, seed) in enumerate(CAMERAS)],
    }


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def start(base: Path, site_config: dict | None = None) -> Service:
    """Start the service on `site_config` (default: the four simulated cameras) once every camera has footage."""
    site_config = site_config or default_config()
    service = Service(data=base / "data", port=free_port())
    config = write_config(base / "site.yaml", site_config)
    env = {**os.environ, "VMS_ADMIN_PASSWORD": ADMIN_PASSWORD}
    log = (base / "service.log").open("wb")
    service.process = subprocess.Popen(
        [sys.executable, "-m", "vms.cli", "serve", "--config", str(config), "--data", str(service.data),
         "--port", str(service.port), "--duration", "3600"],  # a bound, never reached by a healthy run
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_healthy(service)
        _wait_footage(service, [camera["id"] for camera in site_config["cameras"]])
    except BaseException:
        stop(service)
        raise
    return service


def _wait_healthy(service: Service) -> None:
    assert service.process is not None
    processes.wait_healthy(service.url, service.process, START_TIMEOUT_S)


def _wait_footage(service: Service, camera_ids: list[str]) -> None:
    """Until every camera has FOOTAGE_S seconds of indexed segments."""
    engine = create_engine(service.database_url)
    deadline = time.monotonic() + FOOTAGE_TIMEOUT_S
    spans: dict[str, tuple[datetime, datetime]] = {}
    try:
        while time.monotonic() < deadline:
            with Session(engine) as session:
                rows = session.execute(select(Segment.camera_id, func.min(Segment.start), func.max(Segment.end))
                                       .group_by(Segment.camera_id)).all()
            spans = {camera_id: (first, last) for camera_id, first, last in rows}
            ready = [c for c, (a, b) in spans.items() if (b - a).total_seconds() >= FOOTAGE_S]
            if set(ready) >= set(camera_ids):
                return
            time.sleep(0.5)
        raise TimeoutError(f"footage not recorded in time: {spans}")
    finally:
        engine.dispose()


def seed(service: Service) -> None:
    """Events in recorded footage (one per camera, distinct types) and one user per role."""
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            for camera_id, event_type, severity, objects in SEEDED_EVENTS:
                first = session.scalars(select(Segment).where(Segment.camera_id == camera_id)
                                        .order_by(Segment.start).limit(1)).one()
                start_at: datetime = first.start + timedelta(seconds=4)
                snapshot = f"seeded-{camera_id}.jpg"  # relative to state/snapshots, as the service stores them
                snapshots = service.data / "state" / "snapshots"
                snapshots.mkdir(parents=True, exist_ok=True)
                (snapshots / snapshot).write_bytes(latest_keyframe_jpeg(service.data / "recordings" / first.path))
                event = Event(camera_id=camera_id, type=event_type, start=start_at, end=start_at + timedelta(seconds=5),
                              severity=severity, zone="lan-1", detector="simulated",
                              object_classes=",".join(sorted({o[0] for o in objects})), details={"seeded": True},
                              snapshot=snapshot, alarm_level="log")  # history: no banner in every test
                session.add(event)
                session.flush()
                for track_id, (class_name, colour, direction, speed, role) in enumerate(objects, start=1):
                    session.add(EventObject(event_id=event.id, track_id=track_id, role=role, class_name=class_name,
                                            colour=colour, direction=direction, speed_kmh=speed))
                service.events[event_type] = event.id
            for username, (password, role, full_name) in USERS.items():
                create_user(session, username, password, role, full_name=full_name)
    finally:
        engine.dispose()


# camera, type, severity, objects (class, colour, direction, speed km/h, role)
SEEDED_EVENTS = [
    ("quoc-lo", "hit_and_run", "alarm", [("car", "red", "E", 48.0, "vehicle"), ("motorbike", "blue", "W", None, "victim")]),
    ("cho-trung-tam", "intrusion", "warning", [("person", "black", "N", None, "intruder")]),
    ("nga-ba-truong", "loitering", "info", [("person", "white", "", None, "")]),
    ("duong-de", "wrong_way", "warning", [("motorbike", "red", "S", 30.0, "vehicle")]),
]


def stop(service: Service) -> None:
    """SIGTERM by PID (the service stops its cameras), then SIGKILL of its whole process group after 30 s.

    The group kill matters: a service killed alone leaves its camera workers and detector service
    orphaned until they notice, and they load the next tests.
    """
    process = service.process
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything of it still left after a clean exit
    except ProcessLookupError:
        pass
