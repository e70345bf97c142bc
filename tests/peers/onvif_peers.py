"""Real ONVIF peers inside two throw-away network namespaces, for the ONVIF tests.

Layout (names carry this process's PID, so parallel runs and other fixtures do not collide)::

    vmso-vms-<pid>  198.19.N.1  --veth--  198.19.N.2  vmso-cam-<pid>
    (the VMS side: the driver CLI runs here)     (cameras: ipycam x3, GStreamer RTSP,
                                                  wsdiscovery responder, snapshot HTTP servers)

Multicast (WS-Discovery) is routed over the veth in both namespaces and nowhere else; the host
gets a blackhole route for 198.19.N.0/24 so a stray host-side request fails locally instead of
leaving through the default route. Every process is started in its own session and stopped by
PID (SIGTERM, then SIGKILL); namespaces and the route are removed on close, also after failures.
Needs root, the Debian packages and the camera venv from ``tests/peers/install_onvif.sh``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PEERS = Path(__file__).resolve().parent
INSTALL_HINT = "run tests/peers/install_onvif.sh (as root) first"
NS_PREFIX = "vmso"


def camvenv_python() -> Path:
    """The camera venv's python (ipycam, wsdiscovery); env VMS_ONVIF_CAMVENV overrides the path."""
    venv = Path(os.environ.get("VMS_ONVIF_CAMVENV", REPO / ".cache" / "peers" / "camvenv"))
    return venv / "bin" / "python"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=15, check=check)


def stop_pid(pid: int, grace_s: float = 3.0) -> None:
    """SIGTERM, wait up to ``grace_s``, SIGKILL if still there; then SIGKILL what is left of the
    process group we created for it (start_new_session: e.g. ipycam's ffmpeg children)."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not _wait_gone(pid, grace_s):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_gone(pid, 2.0)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pid: int, timeout_s: float) -> bool:
    """Reap ``pid`` if it is our child, else poll for it; True once it has exited."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:  # not our child (a stale run's process): poll instead
            if not _alive(pid):
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _subnet(tag: str) -> tuple[str, int]:
    n = int(tag) % 250 + 1
    return f"198.19.{n}.0/24", n


def sweep_stale() -> None:
    """Remove what runs of this fixture left when they were killed (their PID is gone):
    processes inside their namespaces, the namespaces, and their blackhole route."""
    names = re.findall(rf"^({NS_PREFIX}-(?:cam|vms)-(\d+))\b", _ip("netns", "list", check=False).stdout, re.M)
    live = {_subnet(tag)[0] for _, tag in names if _alive(int(tag))}
    for ns, tag in names:
        if _alive(int(tag)):
            continue
        for pid in _ip("netns", "pids", ns, check=False).stdout.split():
            stop_pid(int(pid), grace_s=1.0)
        _ip("netns", "del", ns, check=False)
        if _subnet(tag)[0] not in live:
            _ip("route", "del", "blackhole", _subnet(tag)[0], check=False)


@dataclass
class OnvifLab:
    """Two namespaces joined by a veth pair, and the peer processes started in them."""

    workdir: Path
    tag: str = field(default_factory=lambda: str(os.getpid()))
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _blackhole_added: bool = False

    def __post_init__(self) -> None:
        self.subnet, n = _subnet(self.tag)
        self.cam_ns, self.vms_ns = f"{NS_PREFIX}-cam-{self.tag}", f"{NS_PREFIX}-vms-{self.tag}"
        self.vms_ip, self.cam_ip = f"198.19.{n}.1", f"198.19.{n}.2"
        self.absent_ip = f"198.19.{n}.99"  # in the subnet, no host: ARP fails, nothing answers

    # -- namespaces ---------------------------------------------------------------------------
    def up(self) -> None:
        sweep_stale()
        veth_vms, veth_cam = f"{NS_PREFIX}v{self.tag}", f"{NS_PREFIX}c{self.tag}"
        _ip("netns", "add", self.cam_ns)
        _ip("netns", "add", self.vms_ns)
        _ip("link", "add", veth_vms, "type", "veth", "peer", "name", veth_cam)
        _ip("link", "set", veth_vms, "netns", self.vms_ns)
        _ip("link", "set", veth_cam, "netns", self.cam_ns)
        for ns, dev, addr in ((self.vms_ns, veth_vms, self.vms_ip), (self.cam_ns, veth_cam, self.cam_ip)):
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", dev)  # multicast stays on the veth
        added = _ip("route", "add", "blackhole", self.subnet, check=False)
        self._blackhole_added = added.returncode == 0

    def close(self) -> None:
        """Stop every process by PID, then delete the namespaces and the route. Never raises."""
        for name in list(self.procs):
            proc = self.procs.pop(name)
            stop_pid(proc.pid)
            proc.poll()  # let Popen see it was reaped (no 'still running' warning)
        for ns in (self.cam_ns, self.vms_ns):
            for pid in _ip("netns", "pids", ns, check=False).stdout.split():
                stop_pid(int(pid), grace_s=1.0)  # anything a peer spawned in its own session
            _ip("netns", "del", ns, check=False)
        if self._blackhole_added:
            _ip("route", "del", "blackhole", self.subnet, check=False)
            self._blackhole_added = False

    # -- processes ----------------------------------------------------------------------------
    def start(self, name: str, ns: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 (kept open by the child)
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", ns, *argv],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        log.close()

    def listening(self, ns: str) -> set[int]:
        out = _ip("netns", "exec", ns, "ss", "-Htlnu", check=False).stdout
        return {int(m) for m in re.findall(r":(\d+)\s", out)}

    def wait_ports(self, ns: str, ports: set[int], timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ports <= self.listening(ns):
                return
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"peer(s) {dead} exited early; see {self.workdir}/<name>.log")
            time.sleep(0.2)
        raise RuntimeError(
            f"ports {sorted(ports - self.listening(ns))} not listening in {ns} after {timeout_s} s"
        )

    def run_vms(self, argv: list[str], env: dict[str, str] | None = None, timeout_s: float = 60.0) -> dict:
        """Run ``python ARGV`` (this interpreter) in the VMS namespace; parse its JSON stdout."""
        proc = subprocess.run(
            ["ip", "netns", "exec", self.vms_ns, sys.executable, *argv],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        )
        try:
            out = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise RuntimeError(
                f"no JSON from {argv} (status {proc.returncode}): {proc.stderr[-2000:]}"
            ) from exc
        out["_stdout"], out["_stderr"], out["_status"] = proc.stdout, proc.stderr, proc.returncode
        return out

    def onvif_cli(self, *args: str, env: dict[str, str] | None = None) -> dict:
        return self.run_vms(["-m", "camera_drivers.onvif", *args], env=env)
