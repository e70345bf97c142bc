"""Runs INSIDE the test's VMS network namespace: the real service and API, end to end with ONVIF.

    python tests/vms/onvif_service_driver.py DATA_DIR CAM_IP VMS_IP ABSENT_IP

Discover -> probe (wrong password, unreachable) -> register with WS-UsernameToken -> record from
the camera's main stream through the real worker -> snapshot preview -> PTZ; prints one JSON object.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from vms.api.app import create_app
from vms.config import parse_config
from vms.db.models import Segment
from vms.paths import DataPaths
from vms.service import Site

ADMIN_PASSWORD = "Admin-Passw0rd"
AUTH_CAMERA = {"port": 8081, "username": "admin", "password": "secret123"}


def run(data: Path, cam_ip: str, vms_ip: str, absent_ip: str) -> dict:
    os.environ["VMS_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    site = Site(parse_config({"recording": {"segment_seconds": 2}}), DataPaths(data))
    site.prepare()
    site.start_background()
    out: dict = {}
    try:
        client = TestClient(create_app(site.app_context()))
        client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}).raise_for_status()
        found = client.post("/api/onvif/discover", json={"interface_ip": vms_ip, "timeout_s": 3})
        out["discover"] = {"status": found.status_code, "devices": found.json()}
        wrong = client.post("/api/onvif/probe", json={"address": cam_ip, **AUTH_CAMERA, "password": "nope-Wrong1"})
        out["wrong_password"] = {"status": wrong.status_code, "body": wrong.json()}
        gone = client.post("/api/onvif/probe", json={"address": absent_ip, "port": 8080, "timeout_s": 2})
        out["unreachable"] = {"status": gone.status_code, "body": gone.json()}
        shown = client.post("/api/onvif/probe", json={"address": cam_ip, **AUTH_CAMERA}).json()["profile"]
        uris = {"main_uri": shown["main_uri"], "sub_uri": shown["sub_uri"]}  # what the installer saw
        registered = client.post("/api/onvif/register", json={"address": cam_ip, **AUTH_CAMERA, "id": "gate",
                                                               "name": "Cổng UBND", "location": "Cổng chính", **uris,
                                                               "sub_fps": 5})
        out["register"] = {"status": registered.status_code, "body": registered.json()}
        again = client.post("/api/onvif/register", json={"address": cam_ip, **AUTH_CAMERA, "id": "gate2", "name": "x",
                                                          **uris})
        out["register_again_status"] = again.status_code
        # ipycam's snapshot offers HTTP Basic only: the per-camera opt-in.
        snapshot = client.post("/api/onvif/snapshot", json={"address": cam_ip, **AUTH_CAMERA, "allow_basic_http": True})
        out["snapshot"] = {"status": snapshot.status_code, "jpeg": snapshot.content[:2] == b"\xff\xd8"}
        ptz = {
            "absolute": client.post("/api/onvif/cameras/gate/ptz/absolute", json={"pan": 0.5, "tilt": -0.25}).status_code,
            "move": client.post("/api/onvif/cameras/gate/ptz/move", json={"pan": 0.3, "timeout_s": 1}).status_code,
            "stop": client.post("/api/onvif/cameras/gate/ptz/stop").status_code,
            "presets": client.get("/api/onvif/cameras/gate/ptz/presets").status_code,
        }
        out["ptz"] = ptz
        time.sleep(12)  # the worker started by registration records the main stream, analyses the sub stream
        out["cameras_body"] = client.get("/api/cameras").text
        rediscovered = client.post("/api/onvif/discover", json={"interface_ip": vms_ip, "timeout_s": 3}).json()
        out["registered_flags"] = {d["port"]: d["registered_camera_id"] for d in rediscovered}
    finally:
        site.stop_background()
    with site.session_factory() as session:
        out["segments"] = [s.path for s in session.scalars(select(Segment).where(Segment.camera_id == "gate"))]
    out["recordings_root"] = str(site.paths.recordings)
    return out


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), *sys.argv[2:5]), ensure_ascii=False))
