"""Supervision of the node's processes: the detector service and one worker per camera.

Each is restarted with backoff if it dies. The detector service starts first and stops last;
while it is down (crashed, restarting) the workers keep recording and their analysis gets no
detections (RemoteDetector), so a detector crash never costs footage.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from vms.runtime.detector_service import DetectorServiceSpec, detector_service_main
from vms.runtime.worker import Backoff, WorkerSpec, worker_main

log = logging.getLogger(__name__)

# Spawn, not fork: the parent runs threads (web server, janitor) that fork would copy mid-state.
_CONTEXT = multiprocessing.get_context("spawn")
STABLE_AFTER_S = 60.0  # a worker that lived this long resets its restart backoff


@dataclass
class _Slot:
    spec: WorkerSpec | DetectorServiceSpec
    process: BaseProcess | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    restarts: int = 0
    backoff: Backoff = field(default_factory=lambda: Backoff(1.0, 60.0))


class Supervisor:
    """Starts, watches and stops the worker processes."""

    def __init__(self, specs: list[WorkerSpec], poll_interval_s: float = 1.0,
                 detector: DetectorServiceSpec | None = None):
        self._slots = {spec.camera_id: _Slot(spec) for spec in specs}
        self._detector = _Slot(detector) if detector is not None else None
        self.poll_interval_s = poll_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # the watcher and sync() both change slots

    def start(self) -> None:
        if self._detector is not None:
            self._spawn(self._detector)
        for slot in self._slots.values():
            self._spawn(slot)
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def sync(self, specs: list[WorkerSpec]) -> None:
        """Make the running workers match `specs`: start new cameras, restart changed ones, stop
        removed or disabled ones. Called when cameras change through the API."""
        wanted = {spec.camera_id: spec for spec in specs}
        with self._lock:
            for camera_id in list(self._slots):
                slot = self._slots[camera_id]
                if wanted.get(camera_id) != slot.spec:
                    log.info("stopping worker %s (camera removed or changed)", camera_id)
                    self._terminate([slot])
                    del self._slots[camera_id]
            for camera_id, spec in wanted.items():
                if camera_id not in self._slots and not self._stop.is_set():
                    slot = _Slot(spec)
                    self._slots[camera_id] = slot
                    self._spawn(slot)

    def worker_pids(self) -> dict[str, int | None]:
        with self._lock:
            return {cid: (s.process.pid if s.process else None) for cid, s in self._slots.items()}

    def detector_pid(self) -> int | None:
        with self._lock:
            slot = self._detector
            return slot.process.pid if slot is not None and slot.process is not None else None

    def detector_restarts(self) -> int:
        with self._lock:
            return self._detector.restarts if self._detector is not None else 0

    def restarts(self) -> dict[str, int]:
        with self._lock:
            return {cid: s.restarts for cid, s in self._slots.items()}

    def _spawn(self, slot: _Slot) -> None:
        if isinstance(slot.spec, DetectorServiceSpec):
            process = _CONTEXT.Process(target=detector_service_main, args=(slot.spec,), name="detector-service")
        else:
            process = _CONTEXT.Process(target=worker_main, args=(slot.spec,), name=f"worker-{slot.spec.camera_id}")
        process.start()
        slot.process = process
        slot.started_at = time.monotonic()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_interval_s):
            with self._lock:
                if self._detector is not None:
                    self._check(self._detector)
                for slot in list(self._slots.values()):
                    self._check(slot)

    def _check(self, slot: _Slot) -> None:
        process = slot.process
        now = time.monotonic()
        if process is not None and process.is_alive():
            if now - slot.started_at > STABLE_AFTER_S:
                slot.backoff.reset()
            return
        if process is not None:
            log.warning("%s exited with code %s; restarting", process.name, process.exitcode)
            process.join(timeout=0)
            slot.process = None
            slot.restart_at = now + slot.backoff.next_delay()
        if now >= slot.restart_at and not self._stop.is_set():
            slot.restarts += 1
            self._spawn(slot)

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM every worker (they finish their segment), then SIGKILL stragglers."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            self._terminate(list(self._slots.values()), timeout_s)
            if self._detector is not None:  # last: workers finishing their segments may still ask it
                self._terminate([self._detector], timeout_s)

    @staticmethod
    def _terminate(slots: list[_Slot], timeout_s: float = 15.0) -> None:
        processes = [s.process for s in slots if s.process is not None]
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + timeout_s
        for process in processes:
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker %s did not stop; killing", process.name)
                process.kill()
                process.join(timeout=5)
