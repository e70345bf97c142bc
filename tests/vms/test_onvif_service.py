"""ONVIF through the service: the installer's flow over the real API against emulated cameras.

Everything runs inside the network namespaces the `onvif_lab` fixture creates; the service and
its workers run in the VMS namespace (see onvif_service_driver.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camera_drivers.segments import decodable_frames

pytestmark = [pytest.mark.onvif, pytest.mark.slow]


def test_discover_register_record_snapshot_ptz(onvif_lab, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = onvif_lab.peers.run_vms(
        ["tests/vms/onvif_service_driver.py", str(tmp_path / "site"), onvif_lab.cam_ip, onvif_lab.vms_ip,
         onvif_lab.absent_ip],
        timeout_s=180,
    )
    assert out["_status"] == 0, out["_stderr"][-3000:]
    assert out["discover"]["status"] == 200
    assert {d["port"] for d in out["discover"]["devices"]} >= {8080, 8081, 8082}
    assert out["wrong_password"]["status"] == 422
    assert out["wrong_password"]["body"]["detail"]["code"] == "onvif.auth_failed.wrong_password"
    assert out["unreachable"]["status"] == 504
    assert out["unreachable"]["body"]["detail"]["code"].startswith("onvif.unreachable")
    assert out["register"]["status"] == 201, out["register"]
    profile = out["register"]["body"]["profile"]
    assert profile["main"]["width"] == 640 and profile["sub"]["width"] == 320
    assert profile["clock"]["drift_s"] is not None
    # ipycam has no SetVideoEncoderConfiguration: the registration goes on and says why.
    assert out["register"]["body"]["sub_fps"] is None and out["register"]["body"]["sub_fps_error"]["code"]
    assert out["register_again_status"] == 409  # the same device cannot be registered twice
    assert out["snapshot"] == {"status": 200, "jpeg": True}
    assert out["ptz"] == {"absolute": 204, "move": 204, "stop": 204, "presets": 409}
    assert "secret123" not in out["cameras_body"] and "secret123" not in out["_stderr"]
    cameras = {c["id"]: c for c in json.loads(out["cameras_body"])}
    assert cameras["gate"]["has_credentials"] and cameras["gate"]["status"]["online"]
    assert cameras["gate"]["sub_location"] == profile["sub_uri"] != profile["main_uri"]
    assert cameras["gate"]["status"]["analysis_stream"] == "sub"  # the main stream is recorded, not decoded
    assert out["registered_flags"]["8081"] == "gate" and out["registered_flags"]["8080"] is None
    root = Path(out["recordings_root"])
    assert len(out["segments"]) >= 2
    assert all(decodable_frames(root / path) > 0 for path in out["segments"])
