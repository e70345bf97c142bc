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
from multiprocessing.connection import Connection
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
    control: Connection | None = None  # to a group process: ("stop", camera_id) / ("start", spec)


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
        removed or disabled ones. Called when cameras change through the API. In a running group
        a changed or removed camera is restarted or stopped alone, through the group's control
        connection (its group mates go on recording); a group left with no camera is stopped; new
        cameras start in new groups."""
        wanted = {spec.camera_id: spec for spec in specs}
        with self._lock:
            for key in list(self._slots):
                slot = self._slots[key]
                if all(wanted.get(spec.camera_id) == spec for spec in self._cameras(slot)):
                    continue
                del self._slots[key]
                if not self._change_in_place(slot, wanted):
                    log.info("stopping worker %s (camera removed or changed)", ",".join(key))
                    self._terminate([slot])
                    continue
                self._slots[_key(self._cameras(slot))] = slot
            placed = {spec.camera_id for slot in self._slots.values() for spec in self._cameras(slot)}
            if self._stop.is_set():
                return
            for group in self._groups([spec for spec in specs if spec.camera_id not in placed]):
                slot = _Slot(group)
                self._slots[_key(group)] = slot
                self._spawn(slot)

    def _change_in_place(self, slot: _Slot, wanted: dict[str, WorkerSpec]) -> bool:
        """Restart or stop a running group's changed cameras alone; False when the slot must be
        stopped as a whole instead (not a group process, not running, no camera left)."""
        cameras = self._cameras(slot)
        after = tuple(wanted[spec.camera_id] for spec in cameras if spec.camera_id in wanted)
        process = slot.process
        if slot.control is None or not after or process is None or not process.is_alive():
            return False
        try:
            for spec in cameras:
                new = wanted.get(spec.camera_id)
                if new == spec:
                    continue
                log.info("group %s: %s camera %s", process.name, "restarting" if new else "stopping", spec.camera_id)
                slot.control.send(("stop", spec.camera_id))
                if new is not None:
                    slot.control.send(("start", new))
        except OSError:  # the process just died: the watcher restarts it with the new cameras
            log.warning("group %s: control connection lost; it restarts with the new cameras", process.name)
        slot.spec = after
        return True

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
        child: Connection | None = None
        if isinstance(slot.spec, DetectorServiceSpec):
            process = _CONTEXT.Process(target=detector_service_main, args=(slot.spec,), name="detector-service")
        elif len(slot.spec) == 1:
            spec = slot.spec[0]
            process = _CONTEXT.Process(target=worker_main, args=(spec,), name=f"worker-{spec.camera_id}")
        else:
            names = ",".join(spec.camera_id for spec in slot.spec)
            if slot.control is not None:
                slot.control.close()
            slot.control, child = _CONTEXT.Pipe()
            process = _CONTEXT.Process(target=group_worker_main, args=(list(slot.spec), child),
                                       name=f"workers-{names}")
        process.start()
        if child is not None:
            child.close()  # the child has its own copy now
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
        for slot in slots:
            if slot.control is not None:
                slot.control.close()
                slot.control = None


def _key(group: tuple[WorkerSpec, ...]) -> tuple[str, ...]:
    return tuple(spec.camera_id for spec in group)
