"""Starting and stopping peer processes by PID, and finding free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, host: str = "127.0.0.1", timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout_s} s")


def start(cmd: list[str], log_path: Path, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.Popen:
    """Start a process in its own session with output to a log file (read it when a test fails)."""
    log = open(log_path, "ab")
    return subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})}, start_new_session=True, **kwargs,  # type: ignore[arg-type]
    )


def stop(process: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """SIGTERM by PID, then SIGKILL if it does not exit in time; then whatever is left of its group.

    start() gives each process its own session, so its process group is everything it started: a
    service that had to be killed would otherwise leave its camera workers and model process orphaned,
    loading the tests that follow.
    """
    if process.poll() is None:
        try:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
    _kill_group(process.pid)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL by PID at once: what a power cut or the OOM killer does."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_healthy(base_url: str, process: subprocess.Popen, timeout_s: float = 60.0) -> None:
    """Until the service at `base_url` answers /health with 200; fail at once if it exited."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, f"service exited at start-up (code {process.returncode})"
        try:
            if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{base_url} did not become healthy in {timeout_s} s")
