"""The ONVIF camera lab as a pytest fixture (`onvif_lab`), started once per session, removed at the end.

Cameras in the lab (all at ``lab.cam_ip``):

========  =====  ==========================  ==========================================
name      ONVIF  auth                        streams
========  =====  ==========================  ==========================================
cam-open  8080   none                        ipycam's own RTSP, :8554
cam-auth  8081   WS-UsernameToken admin/...  ipycam's own RTSP, :8555
cam-gst   8082   none                        GStreamer RTSP server :8654 /main, /sub
========  =====  ==========================  ==========================================

plus a spec-compliant WS-Discovery responder announcing cam-gst again (ProbeMatches, with
hardware/location scopes), and HTTP snapshot servers with Basic (:9001) and Digest (:9002) auth;
:9001 doubles as the "HTTP but not ONVIF" peer.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.peers.onvif_peers import INSTALL_HINT, PEERS, OnvifLab, camvenv_python

AUTH_USER, AUTH_PASSWORD = "admin", "secret123"
SNAP_USER, SNAP_PASSWORD = "viewer", "snap-Pa55"
PORTS = {"cam-open": 8080, "cam-auth": 8081, "cam-gst": 8082}
GST_RTSP_PORT = 8654
SNAP_BASIC_PORT, SNAP_DIGEST_PORT = 9001, 9002
WSD_SCOPES = (
    "onvif://www.onvif.org/type/video_encoder",
    "onvif://www.onvif.org/name/cam-gst",
    "onvif://www.onvif.org/hardware/GstCam-2",
    "onvif://www.onvif.org/location/Commune%20Office",
    "onvif://www.onvif.org/location/Gate%201",
)


@dataclass(frozen=True)
class Lab:
    """What the tests need to know about the running lab."""

    peers: OnvifLab
    cam_ip: str
    vms_ip: str
    absent_ip: str

    def cli(self, *args: str, env: dict[str, str] | None = None) -> dict:
        return self.peers.onvif_cli(*args, env=env)


def _camera_config(
    workdir: Path,
    name: str,
    cam_ip: str,
    rtsp_port: int,
    streams: tuple[str, str],
    user: str = "",
    password: str = "",
) -> Path:
    # Bitrates as "1M"/"300K": ipycam 1.3.0's GetProfiles crashes on a lower-case "800k".
    config = {
        "name": name,
        "manufacturer": "PythonCam",
        "model": "VirtualCam-1",
        "local_ip": cam_ip,
        "onvif_port": PORTS[name],
        "rtsp_port": rtsp_port,
        "main_stream_name": streams[0],
        "sub_stream_name": streams[1],
        "main_width": 640,
        "main_height": 360,
        "main_fps": 15,
        "main_bitrate": "1M",
        "sub_width": 320,
        "sub_height": 180,
        "sub_fps": 15,
        "sub_bitrate": "300K",
        "hw_accel": "cpu",
        "username": user,
        "password": password,
    }
    path = workdir / f"{name}.json"
    path.write_text(json.dumps(config))
    return path


def _make_media(workdir: Path) -> tuple[Path, Path]:
    clip, jpeg = workdir / "clip.mp4", workdir / "snapshot.jpg"
    ffmpeg = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
    subprocess.run(
        [
            *ffmpeg,
            "-i",
            "testsrc2=size=640x360:rate=15",
            "-t",
            "6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "15",
            "-bf",
            "0",
            str(clip),
        ],
        check=True,
        timeout=60,
    )
    subprocess.run(
        [*ffmpeg, "-i", "testsrc2=size=320x240", "-frames:v", "1", str(jpeg)], check=True, timeout=30
    )
    return clip, jpeg


def _start_peers(lab: OnvifLab, camvenv: Path, clip: Path, jpeg: Path) -> None:
    ip, ns, w = lab.cam_ip, lab.cam_ns, lab.workdir
    # GStreamer first, so cam-gst's own RTSP server finds the port taken and backs off.
    lab.start(
        "gst-rtsp",
        ns,
        ["/usr/bin/python3", str(PEERS / "onvif_rtsp_server.py"), "--host", ip, "--port", str(GST_RTSP_PORT)],
    )
    lab.wait_ports(ns, {GST_RTSP_PORT})
    cams = {
        "cam-open": _camera_config(w, "cam-open", ip, 8554, ("video_main", "video_sub")),
        "cam-auth": _camera_config(
            w, "cam-auth", ip, 8555, ("video_main", "video_sub"), AUTH_USER, AUTH_PASSWORD
        ),
        "cam-gst": _camera_config(w, "cam-gst", ip, GST_RTSP_PORT, ("main", "sub")),
    }
    for name, config in cams.items():
        lab.start(name, ns, [str(camvenv), "-m", "ipycam", "--config", str(config), "--source", str(clip)])
    lab.start(
        "wsd",
        ns,
        [
            str(camvenv),
            str(PEERS / "onvif_wsd_publish.py"),
            f"http://{ip}:{PORTS['cam-gst']}/onvif/device_service",
            *WSD_SCOPES,
        ],
    )
    for name, port, scheme in (
        ("snap-basic", SNAP_BASIC_PORT, "basic"),
        ("snap-digest", SNAP_DIGEST_PORT, "digest"),
    ):
        lab.start(
            name,
            ns,
            [
                str(camvenv),
                str(PEERS / "onvif_snapshot_http.py"),
                ip,
                str(port),
                scheme,
                SNAP_USER,
                str(jpeg),
            ],
            env={"SNAPSHOT_PASSWORD": SNAP_PASSWORD},
        )
    lab.wait_ports(ns, {*PORTS.values(), 8554, 8555, SNAP_BASIC_PORT, SNAP_DIGEST_PORT, 3702})


@pytest.fixture(scope="session")
def onvif_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if os.geteuid() != 0:
        pytest.fail("the ONVIF peer tests create network namespaces and must run as root")
    camvenv = camvenv_python()
    if not camvenv.exists() or shutil.which("ffmpeg") is None or not Path("/usr/bin/python3").exists():
        pytest.fail(f"ONVIF test peers are not installed ({camvenv} missing?): {INSTALL_HINT}")
    workdir = tmp_path_factory.mktemp("onvif-lab")
    lab = OnvifLab(workdir)
    # A cancelled CI job sends SIGTERM, whose default action skips every finally: turn it into
    # KeyboardInterrupt so pytest tears this fixture down (peers stopped, namespaces removed).
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        lab.up()
        clip, jpeg = _make_media(workdir)
        _start_peers(lab, camvenv, clip, jpeg)
        yield Lab(peers=lab, cam_ip=lab.cam_ip, vms_ip=lab.vms_ip, absent_ip=lab.absent_ip)
    finally:
        lab.close()
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
