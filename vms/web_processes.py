"""Several web (API) processes on one listening socket (`server.workers`, issue 14 item 21).

Under a flood the one event loop and the GIL it shares with the request threads were the limit.
With `server.workers: N` the site's own process serves HTTP as before and runs everything else
(camera supervisor, janitor, maintenance watcher); N - 1 helper processes accept on the same socket,
each with its own event loop, GIL, admission slots (`max_active_requests` each) and database pool.
What is per process stays correct:
- a camera created, edited or deleted through a helper: the helper signals the site's process
  (SIGUSR1), which re-syncs its camera workers from the database, the call a change made in the site's
  own process makes;
- /metrics in a helper reads the node's process map that the site's process writes every 2 s
  (state/web_processes.json) and asks the same detector service;
- sessions, login lockout, events, alarm reviews, exports: in the database, shared;
- the alarm push (SSE) and the live-video hub run once per process (the watcher polls the database;
  a worker's live publisher serves any number of hubs); an H.265 camera watched through two processes
  is transcoded twice;
- the playback cache's per-user limit on clips being cut is counted per process.
A helper exits with the site's process (PR_SET_PDEATHSIG, and a check of its parent at start).
"""

from __future__ import annotations

import ctypes
import json
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)
CAMERAS_CHANGED = signal.SIGUSR1
PROCESS_MAP = "web_processes.json"
PR_SET_PDEATHSIG, PR_SET_NAME = 1, 15
HELPER_NAME = b"vms-web"  # what `ps -o comm` and /proc/PID/comm show for a helper


def process_map_path(state: Path) -> Path:
    return state / PROCESS_MAP


def write_process_map(state: Path, processes: dict[str, int | None]) -> None:
    path = process_map_path(state)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(processes))
    partial.replace(path)


def read_process_map(state: Path) -> dict[str, int | None]:
    try:
        return json.loads(process_map_path(state).read_text())
    except (OSError, ValueError):
        return {}


class ProcessMapWriter:
    """In the site's process: writes `processes()` to state/web_processes.json every `interval_s`."""

    def __init__(self, state: Path, processes: Callable[[], dict[str, int | None]], interval_s: float = 2.0):
        self.state, self.processes, self.interval_s = state, processes, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="web-process-map", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                write_process_map(self.state, self.processes())
            except OSError as exc:
                log.warning("cannot write the process map: %s", exc)
            if self._stop.wait(self.interval_s):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def on_cameras_changed(handler: Callable[[], None]) -> None:
    """In the site's process (main thread): a helper's SIGUSR1 runs `handler` on a thread of its own."""

    def signalled(_signum: int, _frame: Any) -> None:
        threading.Thread(target=handler, name="cameras-changed", daemon=True).start()

    signal.signal(CAMERAS_CHANGED, signalled)


def _die_with(site_pid: int) -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(HELPER_NAME))
    except (OSError, AttributeError):  # not Linux: the parent check below still stops an orphan at start
        pass
    if os.getppid() != site_pid:
        sys.exit(0)


def helper_main(site_args: dict[str, Any], sock: socket.socket, site_pid: int) -> None:
    """A helper web process: the site's API (no workers, janitor, watchers) on the shared socket."""
    _die_with(site_pid)
    from vms.service import helper_site  # here: the spawned interpreter imports the service only now

    helper_site(site_args, site_pid).serve(sock)


def start_helpers(count: int, site_args: dict[str, Any], sock: socket.socket) -> list[multiprocessing.Process]:
    context = multiprocessing.get_context("spawn")
    helpers = []
    for n in range(count):
        process = context.Process(target=helper_main, args=(site_args, sock, os.getpid()), name=f"vms-web-{n + 2}",
                                  daemon=False)
        process.start()
        helpers.append(process)
    return helpers


def stop_helpers(helpers: list[multiprocessing.Process], timeout_s: float = 10.0) -> None:
    """SIGTERM each helper by PID (uvicorn's graceful stop), SIGKILL one that does not exit in time."""
    for process in helpers:
        if process.is_alive():
            process.terminate()
    for process in helpers:
        process.join(timeout_s)
        if process.is_alive():
            process.kill()
            process.join(5)
