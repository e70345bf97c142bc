"""The GStreamer RTSP server peer as a Python handle: start, stop (by PID), restart on the same port."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.peers import processes

SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, where python3-gi and GStreamer bindings live


def rtsp_server_available() -> str | None:
    """None if the server can run here, else what is missing (shown in the skip/failure)."""
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} missing"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"],
        capture_output=True,
    )
    if probe.returncode != 0:
        return "GStreamer RTSP server bindings missing (apt: gir1.2-gst-rtsp-server-1.0 python3-gi)"
    return None


@dataclass
class RtspServer:
    log_dir: Path
    cams: int = 4
    gop: int = 15
    fps: int = 15
    size: str = "640x360"
    sub: str | None = None  # e.g. "320x180": each camera also offers /camN_sub
    audio_mounts: bool = False  # /h264_aac, /h264_pcmu, /h264_pcma, /h265, /h265_pcmu
    user: str | None = None
    password: str | None = None
    port: int = field(default_factory=processes.free_port)
    process: subprocess.Popen | None = None

    def url(self, cam: int) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam{cam}"

    def sub_url(self, cam: int) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam{cam}_sub"

    def mount_url(self, path: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def start(self) -> "RtspServer":
        cmd = [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port), "--cams", str(self.cams),
               "--gop", str(self.gop), "--fps", str(self.fps), "--size", self.size]
        if self.sub:
            cmd += ["--sub", self.sub]
        if self.audio_mounts:
            cmd += ["--audio-mounts"]
        if self.user:
            cmd += ["--user", self.user, "--password", self.password or ""]
        self.process = processes.start(cmd, self.log_dir / f"rtsp-{self.port}.log")
        processes.wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None:
            processes.stop(self.process)
            self.process = None

    def kill(self) -> None:
        if self.process is not None:
            processes.kill_hard(self.process)
            self.process = None


def gst_installed() -> bool:
    return shutil.which("gst-launch-1.0") is not None
