"""Threat: an installer (or a device speaking through one) using the server as a reach tool. The
server connects to the addresses in a camera's source and reads the paths of `file` and `sim`
cameras: without limits an installer makes it probe loopback services and the link-local
metadata address, record the password file, or read the site's own secret key as a "scene".

This site keeps the default policy (vms.sources): loopback, link-local, unspecified, multicast
refused; file cameras only under DIR/media; scenes only by name or from the scene folders. A
camera row stored before the policy (an older version) is reported in the camera's status and
never opened; every source failure is a status, never a crash-looping worker with no status.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.security import service as svc
from vms.paths import DataPaths


@pytest.fixture(scope="module")
def service_extra() -> dict[str, Any]:
    return {"sources": {"camera_networks": []}}  # the default: nothing special allowed


class TcpListener:
    """A loopback port that counts every connection made to it (a service the attacker wants reached)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[TcpListener]:
    target = TcpListener()
    yield target
    target.stop()


def _detail(answer: Any) -> dict:
    assert answer.status_code == 422, answer.text
    return answer.json()["detail"]


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "169.254.169.254", "::ffff:127.0.0.1", "0.0.0.0",
                                     "[::1]", "http://127.0.0.1:{port}/onvif/device_service"])
def test_onvif_probe_of_loopback_or_link_local_is_refused(service: svc.Service, listener: TcpListener,
                                                          address: str) -> None:
    installer = service.client("installer")
    body = {"address": address.format(port=listener.port), "port": listener.port, "username": "u",
            "password": "Cam-Pass-77", "timeout_s": 2}
    for route in ("probe", "snapshot"):
        detail = installer.post(f"/api/onvif/{route}", json=body).json()["detail"]
        assert detail["code"] == "source.address_special", detail
        assert detail["params"]["field"] == "address"
    register = installer.post("/api/onvif/register", json={**body, "id": "x-loop", "name": "x", "main_uri": "",
                                                           "sub_uri": ""})
    assert _detail(register)["code"] == "source.address_special"
    assert listener.connections == 0  # before the fix: the server connected and reported what answered


@pytest.mark.parametrize(("source", "field"), [
    ({"type": "rtsp", "url": "rtsp://127.0.0.1:{port}/main"}, "source.url"),
    ({"type": "rtsp", "url": "rtsp://169.254.169.254/latest"}, "source.url"),
    ({"type": "rtsp", "url": "rtsp://198.19.250.9/main", "sub_url": "rtsp://localhost:{port}/sub"}, "source.sub_url"),
])
def test_rtsp_camera_on_loopback_is_refused(service: svc.Service, listener: TcpListener, source: dict,
                                            field: str) -> None:
    source = {key: value.format(port=listener.port) for key, value in source.items()}
    answer = service.client("installer").post("/api/cameras", json={"id": "loop", "name": "x", "source": source})
    detail = _detail(answer)
    assert detail["code"] == "source.address_special" and detail["params"]["field"] == field
    assert "sources.camera_networks" in detail["message"]
    assert service.client("admin").get("/api/cameras/loop").status_code == 404
    time.sleep(1)
    assert listener.connections == 0


def test_file_camera_cannot_read_system_files_or_escape_the_media_folder(service: svc.Service) -> None:
    installer = service.client("installer")
    media = DataPaths(service.data).media
    (media / "escape.mp4").symlink_to("/etc/passwd")
    for path in ("/etc/passwd", str(media / ".." / "state" / "vms.db"), str(media / "escape.mp4")):
        answer = installer.post("/api/cameras", json={"id": "leak", "name": "x", "source": {"type": "file", "path": path}})
        detail = _detail(answer)
        assert (detail["code"], detail["params"]["field"]) == ("source.file_outside", "source.path"), path
        assert str(media) in detail["message"]  # says where files may be
    patch = installer.patch(f"/api/cameras/{svc.CAMERA}", json={"source": {"type": "file", "path": "/etc/passwd"}})
    assert _detail(patch)["code"] == "source.file_outside"
    allowed = installer.post("/api/cameras", json={"id": "ban-giao", "name": "Video người dân nộp", "enabled": False,
                                                   "source": {"type": "file", "path": str(media / "nop.mp4")}})
    assert allowed.status_code == 201, allowed.text


def test_sim_camera_cannot_read_the_secret_key_as_a_scene(service: svc.Service) -> None:
    installer = service.client("installer")
    for scene in (str(DataPaths(service.data).secret_key), "/etc/passwd", "../../../etc/passwd"):
        answer = installer.post("/api/cameras", json={"id": "key", "name": "x", "source": {"type": "sim", "scene": scene}})
        detail = _detail(answer)
        assert (detail["code"], detail["params"]["field"]) == ("source.scene_outside", "source.scene"), scene
    named = installer.post("/api/cameras", json={"id": "sim-ok", "name": "x", "enabled": False,
                                                 "source": {"type": "sim", "scene": "street_night"}})
    assert named.status_code == 201, named.text


def _check_config(tmp_path: Path, source: dict, sources: dict | None = None) -> subprocess.CompletedProcess:
    config = {"cameras": [{"id": "c1", "name": "c1", "source": source}], "sources": sources or {}}
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "vms.cli", "check-config", str(path)], capture_output=True,
                          text=True, timeout=60, cwd=svc.ROOT)


@pytest.mark.parametrize(("source", "key"), [
    ({"type": "file", "path": "/etc/passwd"}, "cameras.0.source.path"),
    ({"type": "sim", "scene": "/work/site/state/secret.key"}, "cameras.0.source.scene"),
    ({"type": "rtsp", "url": "rtsp://127.0.0.1:554/main"}, "cameras.0.source.url"),
])
def test_config_file_sources_are_checked_and_the_key_named(tmp_path: Path, source: dict, key: str) -> None:
    result = _check_config(tmp_path, source)
    assert result.returncode == 2, result.stdout + result.stderr
    assert key in result.stderr and "sources." in result.stderr


def test_config_file_may_allow_loopback_and_list_camera_subnets(tmp_path: Path) -> None:
    loopback = {"type": "rtsp", "url": "rtsp://127.0.0.1:554/main"}
    assert _check_config(tmp_path, loopback, {"camera_networks": ["127.0.0.0/8"]}).returncode == 0
    outside = _check_config(tmp_path, {"type": "rtsp", "url": "rtsp://10.9.9.9/main"},
                            {"camera_networks": ["192.168.1.0/24"]})
    assert outside.returncode == 2 and "outside the camera networks" in outside.stderr
    bad = _check_config(tmp_path, loopback, {"camera_networks": ["192.168.1.0/33"]})
    assert bad.returncode == 2 and "sources.camera_networks" in bad.stderr


def _store_rows(service: svc.Service, rows: dict[str, tuple[str, str]]) -> None:
    """Camera rows as an older version (before the policy) might have stored them."""
    from vms.db.models import Camera

    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            for camera_id, (kind, location) in rows.items():
                session.add(Camera(id=camera_id, name=camera_id, source_kind=kind, source_location=location,
                                   detection={"enabled": False}))
    finally:
        engine.dispose()


def _status(service: svc.Service, camera_id: str, timeout_s: float = 60) -> dict:
    admin = service.client("admin")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = admin.get(f"/api/cameras/{camera_id}").json()["status"]
        if status is not None and status["last_error"]:
            return status
        time.sleep(0.5)
    raise AssertionError(f"{camera_id}: no status with an error within {timeout_s} s")


def test_stored_sources_are_refused_by_the_worker_and_reported_as_status(service: svc.Service,
                                                                         listener: TcpListener) -> None:
    key = str(DataPaths(service.data).secret_key)
    _store_rows(service, {"old-passwd": ("file", "/etc/passwd"), "old-key": ("sim", key),
                          "old-loop": ("rtsp", f"rtsp://127.0.0.1:{listener.port}/main"),
                          "old-scene": ("sim", "no_such_scene")})
    # Any camera change makes the site start the workers of every enabled camera.
    assert service.client("admin").patch(f"/api/cameras/{svc.CAMERA}", json={"location": "Chợ mới"}).status_code == 200
    expected = {"old-passwd": "sources.media_dirs", "old-key": "sources.scene_dirs",
                "old-loop": "sources.camera_networks", "old-scene": "unknown scene"}
    for camera_id, words in expected.items():
        status = _status(service, camera_id)
        assert status["online"] is False and words in status["last_error"], (camera_id, status)
    assert listener.connections == 0
    log = svc.log_text(service)
    assert "SceneError" not in log and "Traceback" not in log  # before the fix: a crash loop, status null
    assert os.path.getsize(key) > 0 and "root:" not in str(service.client("admin").get("/api/cameras").json())
