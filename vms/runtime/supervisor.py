"""Supervision of the node's processes: the detector service and the camera workers.

By default one worker process per camera; with `cameras_per_process` K > 1 the cameras are served
in groups of K per process (`group_worker_main`), which pays the libraries a worker loads once per
group. Each process is restarted with backoff if it dies (a group as a whole). The detector service starts first and stops last;
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
from vms.runtime.worker import Backoff, WorkerSpec, group_worker_main, worker_main

log = logging.getLogger(__name__)

# Spawn, not fork: the parent runs threads (web server, janitor) that fork would copy mid-state.
_CONTEXT = multiprocessing.get_context("spawn")
STABLE_AFTER_S = 60.0  # a worker that lived this long resets its restart backoff


@dataclass
class _Slot:
    spec: tuple[WorkerSpec, ...] | DetectorServiceSpec  # the cameras of one worker process, or the detector
    process: BaseProcess | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    restarts: int = 0
    backoff: Backoff = field(default_factory=lambda: Backoff(1.0, 60.0))


class Supervisor:
    """Starts, watches and stops the worker processes."""

    def __init__(self, specs: list[WorkerSpec], poll_interval_s: float = 1.0,
                 detector: DetectorServiceSpec | None = None, cameras_per_process: int = 1):
        self.cameras_per_process = max(1, cameras_per_process)
        self._slots: dict[tuple[str, ...], _Slot] = {}
        for group in self._groups(specs):
            self._slots[_key(group)] = _Slot(group)
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
        removed or disabled ones. Called when cameras change through the API. In groups: a group
        with a changed or removed camera is stopped; its other cameras and new ones start in new groups."""
        wanted = {spec.camera_id: spec for spec in specs}
        with self._lock:
            for key in list(self._slots):
                slot = self._slots[key]
                if any(wanted.get(spec.camera_id) != spec for spec in self._cameras(slot)):
                    log.info("stopping worker %s (camera removed or changed)", ",".join(key))
                    self._terminate([slot])
                    del self._slots[key]
            placed = {spec.camera_id for slot in self._slots.values() for spec in self._cameras(slot)}
            if self._stop.is_set():
                return
            for group in self._groups([spec for spec in specs if spec.camera_id not in placed]):
                slot = _Slot(group)
                self._slots[_key(group)] = slot
                self._spawn(slot)

    def _groups(self, specs: list[WorkerSpec]) -> list[tuple[WorkerSpec, ...]]:
        k = self.cameras_per_process
        return [tuple(specs[i:i + k]) for i in range(0, len(specs), k)]

    @staticmethod
    def _cameras(slot: _Slot) -> tuple[WorkerSpec, ...]:
        assert isinstance(slot.spec, tuple)
        return slot.spec

    def worker_pids(self) -> dict[str, int | None]:
        with self._lock:
            return {spec.camera_id: (s.process.pid if s.process else None)
                    for s in self._slots.values() for spec in self._cameras(s)}

    def detector_pid(self) -> int | None:
        with self._lock:
            slot = self._detector
            return slot.process.pid if slot is not None and slot.process is not None else None

    def detector_restarts(self) -> int:
        with self._lock:
            return self._detector.restarts if self._detector is not None else 0

    def restarts(self) -> dict[str, int]:
        with self._lock:
            return {spec.camera_id: s.restarts for s in self._slots.values() for spec in self._cameras(s)}

    def _spawn(self, slot: _Slot) -> None:
        if isinstance(slot.spec, DetectorServiceSpec):
            process = _CONTEXT.Process(target=detector_service_main, args=(slot.spec,), name="detector-service")
        elif len(slot.spec) == 1:
            spec = slot.spec[0]
            process = _CONTEXT.Process(target=worker_main, args=(spec,), name=f"worker-{spec.camera_id}")
        else:
            names = ",".join(spec.camera_id for spec in slot.spec)
            process = _CONTEXT.Process(target=group_worker_main, args=(list(slot.spec),), name=f"workers-{names}")
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


def _key(group: tuple[WorkerSpec, ...]) -> tuple[str, ...]:
    return tuple(spec.camera_id for spec in group)
