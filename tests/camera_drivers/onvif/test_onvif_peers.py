"""The ONVIF driver against real peers (ipycam, GStreamer RTSP, wsdiscovery) in network namespaces.

The driver runs inside the VMS namespace through its JSON CLI (``python -m camera_drivers.onvif``),
so all discovery and camera traffic stays between the two namespaces the fixture made.
Run alone with ``pytest -m onvif`` (root, after ``tests/peers/install_onvif.sh``).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.peers.onvif_lab import (
    AUTH_PASSWORD,
    AUTH_USER,
    GST_RTSP_PORT,
    PORTS,
    SNAP_BASIC_PORT,
    SNAP_DIGEST_PORT,
    SNAP_PASSWORD,
    SNAP_USER,
    Lab,
)
from tests.peers.onvif_peers import PEERS

pytestmark = pytest.mark.onvif

PW_ENV = "ONVIF_TEST_PASSWORD"


def _auth(password: str = AUTH_PASSWORD, user: str = AUTH_USER) -> tuple[list[str], dict[str, str]]:
    return ["--username", user, "--password-env", PW_ENV], {PW_ENV: password}


def test_interfaces_lists_the_namespace_addresses(onvif_lab: Lab) -> None:
    out = onvif_lab.cli("interfaces")
    assert sorted(i["ip"] for i in out["interfaces"]) == sorted(["127.0.0.1", onvif_lab.vms_ip])


def test_discovery_finds_each_camera_once_with_scopes(onvif_lab: Lab) -> None:
    out = onvif_lab.cli("discover", "--interface", onvif_lab.vms_ip, "--timeout", "2")
    found = {d["port"]: (d["name"], d["hardware"], d["location"], d["host"]) for d in out["devices"]}
    ip = onvif_lab.cam_ip
    assert found == {
        8080: ("cam-open", None, None, ip),
        8081: ("cam-auth", None, None, ip),
        8082: ("cam-gst", "GstCam-2", "Commune Office, Gate 1", ip),
    }
    assert len({d["key"] for d in out["devices"]}) == 3
    assert [len(d["endpoints"]) for d in out["devices"]] == [1, 1, 2]  # cam-gst: ipycam + wsdiscovery
    assert all(d["key"].startswith("urn:uuid:") for d in out["devices"])
    # The probe goes out twice and cam-gst has two responders: duplicates really were merged,
    # and both reply forms were parsed (ipycam: bare ProbeMatch; wsdiscovery: ProbeMatches).
    assert out["replies"] >= 6
    assert 0 < out["bare_probe_match_replies"] < out["replies"]


def test_register_with_ws_username_token(onvif_lab: Lab) -> None:
    args, env = _auth()
    out = onvif_lab.cli("probe", onvif_lab.cam_ip, "--port", str(PORTS["cam-auth"]), *args, env=env)
    ip = onvif_lab.cam_ip
    assert out["_status"] == 0, out
    assert out["info"] == {
        "manufacturer": "PythonCam",
        "model": "VirtualCam-1",
        "firmware": "1.3.0",
        "serial": "PY-000001",
        "hardware_id": "PY-HW-01",
    }
    assert (out["main"]["token"], out["main"]["width"], out["main"]["height"]) == ("Profile_Main", 640, 360)
    assert (out["sub"]["token"], out["sub"]["width"], out["sub"]["height"]) == ("Profile_Sub", 320, 180)
    assert out["main_uri"] == f"rtsp://{ip}:8555/video_main"
    assert out["sub_uri"] == f"rtsp://{ip}:8555/video_sub"
    assert out["snapshot_uri"] == f"http://{ip}:8081/snapshot.jpg"
    assert out["ptz_supported"] is True
    # Same machine, same clock: the drift is measured and small (camera clock has 1 s resolution).
    assert out["clock"]["camera_utc"] is not None
    assert abs(out["clock"]["drift_s"]) < 2.0
    assert out["clock"]["warn"] is False
    assert AUTH_PASSWORD not in out["_stdout"] + out["_stderr"]
    assert "Unclosed" not in out["_stderr"]  # aiohttp sessions closed


def test_snapshot_from_registered_camera_is_a_jpeg(onvif_lab: Lab, tmp_path) -> None:
    args, env = _auth()
    target = tmp_path / "snap.jpg"
    uri = f"http://{onvif_lab.cam_ip}:{PORTS['cam-auth']}/snapshot.jpg"
    # ipycam offers Basic only: the installer's explicit opt-in for this camera.
    out = onvif_lab.cli("snapshot", uri, "--out", str(target), "--allow-basic", *args, env=env)
    assert out["_status"] == 0, out
    image = cv2.imdecode(np.frombuffer(target.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (360, 640, 3)


@pytest.mark.parametrize("port", [SNAP_BASIC_PORT, SNAP_DIGEST_PORT], ids=["basic", "digest"])
@pytest.mark.parametrize(
    ("password", "status", "error"),
    [(SNAP_PASSWORD, 0, None), ("wrong", 2, "auth_failed")],
    ids=["right", "wrong"],
)
def test_snapshot_http_auth(onvif_lab: Lab, tmp_path, port: int, password: str, status: int, error) -> None:
    args, env = _auth(password, SNAP_USER)
    target = tmp_path / "snap.jpg"
    opt_in = ["--allow-basic"] if port == SNAP_BASIC_PORT else []
    out = onvif_lab.cli(
        "snapshot", f"http://{onvif_lab.cam_ip}:{port}/snapshot.jpg", "--out", str(target), *opt_in, *args, env=env
    )
    assert (out["_status"], out.get("error")) == (status, error)
    if status == 0:
        image = cv2.imdecode(np.frombuffer(target.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (240, 320, 3)


def test_snapshot_basic_over_http_needs_the_opt_in(onvif_lab: Lab, tmp_path) -> None:
    args, env = _auth(SNAP_PASSWORD, SNAP_USER)
    out = onvif_lab.cli("snapshot", f"http://{onvif_lab.cam_ip}:{SNAP_BASIC_PORT}/snapshot.jpg",
                        "--out", str(tmp_path / "snap.jpg"), *args, env=env)
    assert (out["_status"], out.get("error")) == (2, "basic_auth_refused")


@pytest.mark.parametrize(("stream", "size"), [("main_uri", (640, 360)), ("sub_uri", (320, 180))])
def test_stream_uris_decode(onvif_lab: Lab, stream: str, size: tuple[int, int]) -> None:
    profile = onvif_lab.cli("probe", onvif_lab.cam_ip, "--port", str(PORTS["cam-gst"]))
    uri = profile[stream]
    assert uri == f"rtsp://{onvif_lab.cam_ip}:{GST_RTSP_PORT}/{stream.split('_')[0]}"
    pulled = onvif_lab.peers.run_vms([str(PEERS / "onvif_pull.py"), uri, "2"])
    assert (pulled["width"], pulled["height"]) == size
    assert pulled["frames"] >= 10
    assert pulled["keyframes"] >= 1


def _ptz_status(lab: Lab) -> dict:
    return lab.peers.run_vms(
        [str(PEERS / "onvif_ptz_status.py"), f"http://{lab.cam_ip}:{PORTS['cam-open']}/onvif/ptz_service"]
    )


def test_ptz_absolute_then_continuous_move_and_stop(onvif_lab: Lab) -> None:
    cam = [onvif_lab.cam_ip, "--port", str(PORTS["cam-open"])]
    out = onvif_lab.cli("ptz", *cam, "absolute", "-0.3", "0.2", "0.5")
    assert (out["_status"], out.get("action")) == (0, "absolute")
    assert {k: _ptz_status(onvif_lab)[k] for k in ("pan", "tilt", "zoom")} == {
        "pan": -0.3,
        "tilt": 0.2,
        "zoom": 0.5,
    }
    # Pan right at half speed for ~0.5 s, then stop: pan grew, tilt and zoom did not move.
    out = onvif_lab.cli("ptz", *cam, "move", "0.5", "0", "0", "--seconds", "0.5")
    assert (out["_status"], out.get("action")) == (0, "move")
    moved = _ptz_status(onvif_lab)
    assert -0.3 < moved["pan"] <= 1.0
    assert (moved["tilt"], moved["zoom"]) == (0.2, 0.5)
    # Stopped means stopped: the position no longer changes.
    assert _ptz_status(onvif_lab) == moved


@pytest.mark.parametrize(
    "action",
    [["move", "0.5", "0", "0.2", "--seconds", "0.3"], ["stop"], ["absolute", "0", "0", "0"], ["goto", "1"]],
    ids=["continuous-move-then-stop", "stop", "absolute-move", "goto-preset"],
)
def test_ptz_commands_with_ws_username_token(onvif_lab: Lab, action: list[str]) -> None:
    args, env = _auth()
    out = onvif_lab.cli("ptz", onvif_lab.cam_ip, "--port", str(PORTS["cam-auth"]), *args, *action, env=env)
    assert (out["_status"], out.get("ok"), out.get("action")) == (0, True, action[0])


def test_ptz_presets_malformed_reply_is_a_clear_error(onvif_lab: Lab) -> None:
    # ipycam answers GetPresets with an undeclared namespace prefix that zeep cannot read.
    out = onvif_lab.cli("ptz", onvif_lab.cam_ip, "--port", str(PORTS["cam-open"]), "presets")
    assert (out["_status"], out["error"], out["type"]) == (2, "ptz_not_supported", "PtzNotSupported")
    assert "GetPresets" in out["message"]
    assert "Traceback" not in out["_stderr"]


def test_password_never_in_debug_logs(onvif_lab: Lab) -> None:
    # DEBUG makes zeep log every SOAP envelope: the WS-UsernameToken must carry a digest only.
    args, env = _auth()
    out = onvif_lab.cli(
        "--log-level", "DEBUG", "probe", onvif_lab.cam_ip, "--port", str(PORTS["cam-auth"]), *args, env=env
    )
    assert out["_status"] == 0
    assert "UsernameToken" in out["_stderr"]  # the logs really contain the auth header...
    assert AUTH_PASSWORD not in out["_stderr"] + out["_stdout"]  # ...but not the password


def test_wrong_password_is_an_auth_error(onvif_lab: Lab) -> None:
    args, env = _auth("not-the-password")
    out = onvif_lab.cli("probe", onvif_lab.cam_ip, "--port", str(PORTS["cam-auth"]), *args, env=env)
    assert (out["_status"], out["error"], out["type"]) == (2, "auth_failed", "OnvifAuthError")
    assert "user name or password" in out["message"]
    assert "not-the-password" not in out["_stdout"] + out["_stderr"]
    assert "Unclosed" not in out["_stderr"]  # the half-built client was closed


@pytest.mark.parametrize(
    ("target", "port", "error", "type_", "words"),
    [
        ("absent", 80, "unreachable", "OnvifUnreachable", "did not answer"),
        ("camera", 9999, "unreachable", "OnvifUnreachable", "Connection refused"),
        ("camera", SNAP_BASIC_PORT, "not_onvif", "NotOnvifDevice", "not an ONVIF camera"),
    ],
    ids=["host-down", "port-closed", "http-not-onvif"],
)
def test_clear_errors(onvif_lab: Lab, target: str, port: int, error: str, type_: str, words: str) -> None:
    host = onvif_lab.absent_ip if target == "absent" else onvif_lab.cam_ip
    out = onvif_lab.cli("probe", host, "--port", str(port), "--timeout", "1.5")
    assert (out["_status"], out["error"], out["type"]) == (2, error, type_)
    assert words in out["message"]
    # A bound, not a speed claim: the call must give up near its timeout instead of hanging
    # for the TCP/ARP defaults (minutes).
    assert out["elapsed_s"] < 1.5 + 2.0
