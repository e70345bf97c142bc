"""Processes a test run left behind: found, listed and stopped when the session ends.

Every test must stop what it starts by PID, children included. A process that outlives the test
session (an orphaned camera worker, an RTSP peer whose fixture failed before its stop, a model
process of a killed service) keeps using CPU on the next run and hides as a stray load. The run
marks its environment with a token at start; every process that inherited it (whatever became of its
parent) is found in /proc at the end, reported, written to tests/artifacts/leftover-processes.txt
and stopped, so one run never slows the next. With VMS_TEST_STRICT_PROCESSES=1 leftovers turn the
run red; VMS_TEST_TRACE_PROCESSES=1 names the test after which each one was first orphaned.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

TOKEN_NAME = "VMS_TEST_RUN_TOKEN"
REPORT = Path(__file__).resolve().parents[1] / "artifacts" / "leftover-processes.txt"
GRACE_S = 3.0  # a process stopped in a fixture's last teardown may still be exiting


def _environ_has(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except (OSError, ProcessLookupError):
        return False


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:300]


def _is_zombie(pid: int) -> bool:
    try:
        return ") Z " in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True


def _ancestors() -> set[int]:
    """This process and its ancestors (make, the CI shell): they carry the token legitimately."""
    pids, pid = {os.getpid()}, os.getppid()
    while pid > 1:
        pids.add(pid)
        pid = _parent(pid)
    return pids


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _own_resource_tracker(pid: int) -> bool:
    """multiprocessing's tracker for THIS process: it exits with us, after the session ends."""
    return _parent(pid) == os.getpid() and "multiprocessing.resource_tracker" in _command(pid)


def leftover_pids(token: str) -> list[int]:
    marker = f"{TOKEN_NAME}={token}".encode()
    skip = _ancestors()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in skip:
            pid = int(entry.name)
            if not _is_zombie(pid) and _environ_has(pid, marker) and not _own_resource_tracker(pid):
                found.append(pid)
    return sorted(found)


def _stop_all(pids: list[int]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline and any(not _is_zombie(p) and Path(f"/proc/{p}").exists() for p in pids):
            time.sleep(0.1)


_first_seen: dict[int, str] = {}  # pid -> the test after which it was first seen (VMS_TEST_TRACE_PROCESSES=1)


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ[TOKEN_NAME] = uuid.uuid4().hex


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """With VMS_TEST_TRACE_PROCESSES=1: note which test a leftover first appeared after (to hunt leaks)."""
    if os.environ.get("VMS_TEST_TRACE_PROCESSES") != "1":
        return
    for pid in leftover_pids(os.environ[TOKEN_NAME]):
        if _parent(pid) == 1:  # orphaned: whoever started it is gone
            _first_seen.setdefault(pid, item.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    token = os.environ.get(TOKEN_NAME)
    if not token:
        return
    deadline = time.monotonic() + GRACE_S
    pids = leftover_pids(token)
    while pids and time.monotonic() < deadline:
        time.sleep(0.2)
        pids = leftover_pids(token)
    if not pids:
        return
    lines = [f"{pid} (parent {_parent(pid)}; orphaned after {_first_seen.get(pid, '?')}) {_command(pid)}"
             for pid in pids]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    _stop_all(pids)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", f"{len(pids)} process(es) outlived the tests (stopped now; list in {REPORT})",
                           red=True)
        for line in lines[:40]:
            reporter.write_line(line)
    if os.environ.get("VMS_TEST_STRICT_PROCESSES") == "1":
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
