"""Live analysis inside a camera worker, decoupled from recording.

The worker thread (which records) hands decoded frames to `LiveAnalysis.offer`, which never
blocks: frames wait in a bounded deque and, when analysis falls behind, the oldest frame is
dropped and counted. One analysis thread runs motion -> detector -> tracker -> rules and writes
events through `EventsWriter`. The detector is built on the analysis
thread (loading a model takes a while); if that fails (e.g. model weights missing), the camera
keeps recording without analysis and the reason is logged.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from detectors.frame import Frame
from detectors.pipeline import DetectionPipeline, PipelineConfig
from detectors.rules import RuleEngine, RulesConfig
from detectors.types import CLASS_NAMES_EN, ClassId
from vms.runtime.detector_service import DetectorServiceSpec
from vms.runtime.events_writer import EventsWriter, ObjectInfo, compass
from vms.runtime.remote_detector import RemoteDetector

log = logging.getLogger(__name__)
TruthFn = Callable[[float], object] | None
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

    @property
    def uses_service(self) -> bool:
        return self.detector_service is not None and self.pipeline.detector.type != "simulated"

    @property
    def detector_name(self) -> str:
        return self.pipeline.detector.type


class LiveAnalysis:
    """Bounded hand-off from the recording thread to one analysis thread."""

    def __init__(self, spec: AnalysisSpec, camera_id: str, factory: sessionmaker[Session]) -> None:
        self.spec = spec
        self.camera_id = camera_id
        self.pipeline: DetectionPipeline | None = None  # built on the analysis thread (model loading is slow)
        self.remote: RemoteDetector | None = None  # the node's detector service, when used
        self.failed = False  # the pipeline could not be built: the camera records without analysis
        self.engine = RuleEngine(spec.rules)
        self.writer = EventsWriter(factory, camera_id, spec.snapshots_root, spec.detector_name,
                                   spec.pre_roll_s, spec.post_roll_s)
        self.queue: deque[tuple[Frame, TruthFn]] = deque()
        self.cond = threading.Condition()
        self.stopping = False
        self.offered = self.dropped = self.processed = 0
        self.busy_s = 0.0
        self._decoded = 0
        self._last_ts: float | None = None
        self._live_written = float("-inf")
        self._close_requested = False
        self.thread = threading.Thread(target=self._run, name=f"analysis-{camera_id}", daemon=True)
        self.thread.start()

    # -- recording thread side ---------------------------------------------------------------
    def decode(self, codec: av.CodecContext, packet: av.Packet, packet_ts: float, truth: TruthFn) -> None:
        """Decode one packet and offer every n-th frame. Decode errors only cost analysis, never recording."""
        if self.failed:
            return
        try:
            frames = codec.decode(packet)
        except av.error.FFmpegError:
            return
        for vf in frames:
            self._decoded += 1
            if (self._decoded - 1) % self.spec.every_n_frames:
                continue
            ts = packet_ts
            if vf.pts is not None and packet.pts is not None and vf.time_base is not None:
                ts = packet_ts + float((vf.pts - packet.pts) * vf.time_base)
            y = _luma(vf)
            self.offer(Frame(self.camera_id, ts, y, bgr_source=lambda vf=vf: vf.to_ndarray(format="bgr24")), truth)

    def offer(self, frame: Frame, truth: TruthFn = None) -> None:
        """Queue a frame for analysis; when full, drop the oldest (live) or wait for room (not live)."""
        with self.cond:
            while self.spec.wait_when_full and len(self.queue) >= self.spec.queue_frames and not self.failed \
                    and not self.stopping:
                self.cond.wait(0.5)
            if len(self.queue) >= self.spec.queue_frames:
                self.queue.popleft()
                self.dropped += 1
            self.queue.append((frame, truth))
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
            self.remote = self._remote_detector()
            self.pipeline = DetectionPipeline(self.spec.pipeline, detector=self.remote)
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
                self._analyse(*item)
            if close and self._last_ts is not None:
                self.writer.apply(self.engine.close(self._last_ts), self._describe)
        if self._last_ts is not None:
            self.writer.apply(self.engine.close(self._last_ts), self._describe)
        if self.remote is not None:
            self.remote.close()

    def _remote_detector(self) -> RemoteDetector | None:
        service = self.spec.detector_service
        if service is None or not self.spec.uses_service:
            return None
        return RemoteDetector(service.address, service.authkey, self.camera_id, self.spec.pipeline.detector)

    def _analyse(self, frame: Frame, truth: TruthFn) -> None:
        assert self.pipeline is not None
        started = time.perf_counter()
        try:
            if truth is not None:
                frame.truth = truth(frame.ts)
            if self.remote is not None:  # cameras with live tracks are served first
                self.remote.priority = len(self.pipeline.tracker.live_boxes()) > 0
            result = self.pipeline.step(frame)
            events = self.engine.update(frame, result.tracks)
            if events:
                self.writer.apply(events, self._describe)
            self._last_ts = frame.ts
            self._keep_live_frame(frame)
        except Exception:  # one bad frame must not end analysis for the camera
            log.exception("%s: analysis failed on a frame", self.camera_id)
        self.processed += 1
        self.busy_s += time.perf_counter() - started

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
        """Class, colour, direction and speed of a (stable) track id, from the pipeline's attributes."""
        assert self.pipeline is not None
        live = set(self.pipeline.attributes.track_ids())
        raws = [raw for raw, sid in self.engine.history.alias.items() if sid == stable_id and raw in live]
        if not raws:
            cls = self.engine.history.class_of(stable_id)
            return ObjectInfo(CLASS_NAMES_EN[ClassId(cls)]) if cls is not None else None
        s = self.pipeline.attributes.summary(max(raws))
        return ObjectInfo(s.class_en, s.colour_en, compass(s.direction_en),
                          round(s.speed_kmh, 1) if s.speed_kmh is not None else None)

    def stats(self) -> dict[str, float]:
        out = {"offered": self.offered, "dropped": self.dropped, "processed": self.processed,
               "busy_s": round(self.busy_s, 2), "events_written": self.writer.writes}
        if self.remote is not None:
            out.update({f"detector_{k}": v for k, v in self.remote.counts.items()})
        return out


def _luma(vf: av.VideoFrame) -> np.ndarray:
    """Y plane of a planar YUV frame (a copy: the decoder reuses its buffers)."""
    if vf.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuv444p", "nv12"):
        plane = vf.planes[0]
        arr = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        return arr[:, : plane.width].copy()
    return vf.to_ndarray(format="gray")
