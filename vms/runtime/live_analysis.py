"""Live analysis inside a camera worker, decoupled from recording.

The worker thread (which records) decodes frames (`camera_drivers.frames.FrameDecoder`) and hands
them to `LiveAnalysis.offer`, which never blocks: frames wait in a bounded deque and, when
analysis falls behind, the oldest frame is dropped and counted. One analysis thread runs the
camera's `CameraAnalysis` (motion -> detector -> tracker -> rules) and writes events through
`EventsWriter`. The detector is built on the analysis thread (loading a model takes a while);
if that fails (e.g. model weights missing), the camera keeps recording without analysis and the
reason is logged.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2
from sqlalchemy.orm import Session, sessionmaker

from camera_drivers.frames import FrameOptions
from detectors.analysis import CameraAnalysis
from detectors.frame import Frame
from detectors.objects import ObjectDetector
from detectors.pipeline import PipelineConfig
from detectors.rules import RulesConfig
from vms.runtime.detector_service import DetectorServiceSpec
from vms.runtime.events_writer import EventsWriter, ObjectInfo, compass
from vms.runtime.metrics import CameraStatsWriter
from vms.runtime.remote_detector import RemoteDetector

log = logging.getLogger(__name__)
# Event types the rules produce (camera_offline belongs to health reporting, not to the rules).
RULE_EVENT_TYPES = {"hit_and_run", "collision", "intrusion", "loitering", "line_crossing", "wrong_way", "tamper"}


ANALYSIS_NICENESS = 10
LIVE_FRAME_INTERVAL_S = 2.0


def _lower_this_thread_priority() -> None:
    """On a saturated machine the recording thread and the web server must win over analysis.

    Linux schedules threads individually, so the analysis thread can be niced on its own.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ANALYSIS_NICENESS)
    except (OSError, AttributeError):  # not Linux, or not permitted: analysis simply runs at normal priority
        pass


@dataclass(frozen=True)
class AnalysisSpec:
    """Picklable analysis settings of one camera (built from the site config)."""

    pipeline: PipelineConfig
    rules: RulesConfig
    snapshots_root: Path | None
    detect_fps: float | None = 5.0  # None: every decoded frame
    every_n_frames: int = 1
    queue_frames: int = 30
    # Live cameras drop the oldest frame when analysis falls behind (recording never waits). A
    # source read faster than real time (a file, an unpaced simulation) has no "live" to keep up
    # with: there the reader waits for analysis instead, so every frame is analysed.
    wait_when_full: bool = False
    # Where the newest analysed frame is kept as JPEG for the camera wall (None: not kept).
    live_frames_root: Path | None = None
    pre_roll_s: float = 5.0
    post_roll_s: float = 5.0
    # The node's detector service (None: the model runs in this process). Simulated detectors
    # always run here: they read the simulator's truth, not pixels.
    detector_service: DetectorServiceSpec | None = None
    # Where this camera's figures go for /metrics and the health page (None: not written).
    metrics_root: Path | None = None

    @property
    def uses_service(self) -> bool:
        return self.detector_service is not None and self.pipeline.detector.type != "simulated"

    @property
    def detector_name(self) -> str:
        return self.pipeline.detector.type

    @property
    def frame_options(self) -> FrameOptions:
        """How the worker decodes this camera's frames for analysis."""
        return FrameOptions(detect_fps=self.detect_fps, every=self.every_n_frames)


class LiveAnalysis:
    """Bounded hand-off from the recording thread to one analysis thread."""

    def __init__(self, spec: AnalysisSpec, camera_id: str, factory: sessionmaker[Session],
                 detector: ObjectDetector | None = None) -> None:
        self.spec = spec
        self.camera_id = camera_id
        self.detector = detector  # None: the node's detector service, or built from the spec
        self.analysis: CameraAnalysis | None = None  # built on the analysis thread (model loading is slow)
        self.remote: RemoteDetector | None = None  # the node's detector service, when used
        self.failed = False  # the analysis could not be built: the camera records without analysis
        self.writer = EventsWriter(factory, camera_id, spec.snapshots_root, spec.detector_name,
                                   spec.pre_roll_s, spec.post_roll_s)
        self.queue: deque[Frame] = deque()
        self.cond = threading.Condition()
        self.stopping = False
        self.offered = self.dropped = self.processed = 0
        self.busy_s = 0.0
        self._live_written = float("-inf")
        self._close_requested = False
        self._metrics = CameraStatsWriter(spec.metrics_root, camera_id)
        self.thread = threading.Thread(target=self._run, name=f"analysis-{camera_id}", daemon=True)
        self.thread.start()

    # -- recording thread side ---------------------------------------------------------------
    def offer(self, frame: Frame) -> None:
        """Queue a frame for analysis; when full, drop the oldest (live) or wait for room (not live)."""
        if self.failed:
            return
        with self.cond:
            while self.spec.wait_when_full and len(self.queue) >= self.spec.queue_frames and not self.failed \
                    and not self.stopping:
                self.cond.wait(0.5)
            if len(self.queue) >= self.spec.queue_frames:
                self.queue.popleft()
                self.dropped += 1
            self.queue.append(frame)
            self.offered += 1
            self.cond.notify()

    def connection_closed(self) -> None:
        """End open events after the queued frames are analysed (a reconnect starts afresh)."""
        with self.cond:
            self._close_requested = True
            self.cond.notify()

    def stop(self, timeout_s: float = 5.0) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify()
        self.thread.join(timeout_s)

    # -- analysis thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        _lower_this_thread_priority()
        try:
            stale = self.writer.close_stale(RULE_EVENT_TYPES)
            if stale:
                log.info("%s: ended %d event(s) left open by the previous run", self.camera_id, stale)
        except Exception:  # the database may be briefly locked; analysis goes on regardless
            log.exception("%s: could not end stale events", self.camera_id)
        try:
            self.remote = self._remote_detector() if self.detector is None else None
            self.analysis = CameraAnalysis(self.spec.pipeline, self.spec.rules, detector=self.detector or self.remote)
        except Exception as error:  # e.g. model weights missing: keep recording, say why
            log.error("%s: event detection disabled: %s", self.camera_id, error)
            self.failed = True
            with self.cond:
                self.queue.clear()
            return
        while True:
            with self.cond:
                while not self.queue and not self.stopping and not self._close_requested:
                    self.cond.wait(1.0)
                if self.stopping:
                    break
                item = self.queue.popleft() if self.queue else None
                self.cond.notify_all()  # room again for a reader waiting on a full queue
                close = self._close_requested and not self.queue
                if close:
                    self._close_requested = False
            if item is not None:
                self._analyse(item)
            if close:
                self.writer.apply(self.analysis.close(), self._describe)
        self.writer.apply(self.analysis.close(), self._describe)
        if self.remote is not None:
            self.remote.close()

    def _remote_detector(self) -> RemoteDetector | None:
        service = self.spec.detector_service
        if service is None or not self.spec.uses_service:
            return None
        return RemoteDetector(service.address, service.authkey, self.camera_id, self.spec.pipeline.detector)

    def _analyse(self, frame: Frame) -> None:
        assert self.analysis is not None
        started = time.perf_counter()
        try:
            if self.remote is not None:  # cameras with live tracks are served first
                self.remote.priority = len(self.analysis.pipeline.tracker.live_boxes()) > 0
            events = self.analysis.step(frame).events
            if events:
                self.writer.apply(events, self._describe)
            self._keep_live_frame(frame)
        except Exception:  # one bad frame must not end analysis for the camera
            log.exception("%s: analysis failed on a frame", self.camera_id)
        self.processed += 1
        self.busy_s += time.perf_counter() - started
        self._metrics.maybe_write(self.offered, self.processed, {
            "offered": self.offered, "dropped": self.dropped, "processed": self.processed,
            "model_runs": self.analysis.pipeline.model_runs, "busy_s": round(self.busy_s, 2),
            # How far behind real time analysis runs (frame capture -> analysed): queueing shows here first.
            "lag_s": round(time.time() - frame.ts, 3)})

    def _keep_live_frame(self, frame: Frame) -> None:
        """Every LIVE_FRAME_INTERVAL_S, write the frame as `<live root>/<camera>.jpg` (atomic rename)."""
        root = self.spec.live_frames_root
        now = time.monotonic()
        if root is None or now - self._live_written < LIVE_FRAME_INTERVAL_S:
            return
        self._live_written = now
        ok, jpeg = cv2.imencode(".jpg", frame.bgr(), [cv2.IMWRITE_JPEG_QUALITY, 75])
        if not ok:
            return
        root.mkdir(parents=True, exist_ok=True)
        temp = root / f".{self.camera_id}.jpg.tmp"
        temp.write_bytes(jpeg.tobytes())
        os.replace(temp, root / f"{self.camera_id}.jpg")

    def _describe(self, stable_id: int) -> ObjectInfo | None:
        """Class, colour, direction and speed of a stable track id, for the event's objects."""
        assert self.analysis is not None
        s = self.analysis.describe(stable_id)
        if s is None:
            return None
        return ObjectInfo(s.class_en, s.colour_en, compass(s.direction_en),
                          round(s.speed_kmh, 1) if s.speed_kmh is not None else None)

    def stats(self) -> dict[str, float]:
        out = {"offered": self.offered, "dropped": self.dropped, "processed": self.processed,
               "busy_s": round(self.busy_s, 2), "events_written": self.writer.writes}
        if self.remote is not None:
            out.update({f"detector_{k}": v for k, v in self.remote.counts.items()})
        return out

