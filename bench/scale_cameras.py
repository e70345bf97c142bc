"""Camera processes that `bench/scale.py` runs beside the real engine, and per-process memory.

- `naive_camera_main`: the naive design, one process per camera: record the main stream (remux,
  as every design does), decode EVERY main-stream frame, convert it to BGR and run the model
  (its own copy, loaded in the process) on the whole frame, then tracker and rules. Frames wait
  in the same bounded drop-oldest queue as the engine's (`AnalysisSpec.queue_frames`), and the
  figures go to the same per-camera metrics file (`CameraStatsWriter`), so both are counted alike.
- `quality_camera_main`: the engine's analysis of one clip with ground truth (PETS09, TUD-Campus)
  in the same run: the sub-stream file paced in real time -> `FrameDecoder` with the camera's
  frame options (detect fps) -> `CameraAnalysis` -> the run's detector service (`RemoteDetector`),
  the same parts and settings the camera workers use; the tracks of every analysed frame are
  written to a JSON file for scoring.
- `memory(pid)`: RSS, PSS and USS of a process from /proc/<pid>/smaps_rollup.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections import deque
from pathlib import Path

log = logging.getLogger(__name__)
QUEUE_FRAMES = 30  # the engine's default analysis queue (DetectionSettings.queue_frames)


def memory(pid: int) -> dict[str, int] | None:
    """{"rss", "pss", "uss"} in bytes (USS = private pages), or None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    kb: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":"):
            kb[parts[0][:-1]] = int(parts[1])
    uss = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
    return {"rss": kb.get("Rss", 0) * 1024, "pss": kb.get("Pss", 0) * 1024, "uss": uss * 1024}


class _NaiveAnalysis:
    """Whole-frame model on every decoded frame, on its own thread behind a drop-oldest queue."""

    def __init__(self, camera_id: str, metrics_root: Path) -> None:
        from detectors.objects import build_detector
        from detectors.objects.configs import default_detector
        from detectors.rules import RuleEngine, default_rules
        from detectors.tracking import ByteTracker
        from vms.runtime.metrics import CameraStatsWriter

        config = default_detector()
        self.detector = build_detector(config)
        # The tracker's score thresholds follow the detector (NanoDet's scores run lower).
        self.tracker, self.rules = ByteTracker(detector_type=config.type), RuleEngine(default_rules())
        self.stats = CameraStatsWriter(metrics_root, camera_id)
        self.queue: deque = deque()
        self.cond = threading.Condition()
        self.offered = self.dropped = self.processed = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def offer(self, frame) -> None:  # type: ignore[no-untyped-def]
        with self.cond:
            if len(self.queue) >= QUEUE_FRAMES:
                self.queue.popleft()
                self.dropped += 1
            self.queue.append(frame)
            self.offered += 1
            self.cond.notify()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify()
        self.thread.join(10)

    def _run(self) -> None:
        from vms.runtime.live_analysis import ANALYSIS_NICENESS

        # As the engine's analysis thread (LiveAnalysis): recording goes first on a busy machine.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ANALYSIS_NICENESS)
        while True:
            with self.cond:
                while not self.queue and not self.stopping:
                    self.cond.wait(1.0)
                if self.stopping:
                    return
                frame = self.queue.popleft()
            (dets,) = self.detector.detect([frame.bgr()])
            self.rules.update(frame, self.tracker.update(dets, frame.ts, frame))  # timed in seconds
            self.processed += 1
            self.stats.maybe_write(self.offered, self.processed, {
                "offered": self.offered, "dropped": self.dropped, "processed": self.processed,
                "model_runs": self.processed, "lag_s": round(time.time() - frame.ts, 3)})


def naive_camera_main(camera_id: str, main_path: str, metrics_root: str, recordings_root: str) -> None:
    """Entry point of one naive camera process (spawned; stopped with SIGTERM)."""
    from camera_drivers.frames import FrameDecoder, FrameOptions
    from camera_drivers.recorder import SegmentRecorder
    from camera_drivers.stream import StreamSession, StreamSource

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    analysis = _NaiveAnalysis(camera_id, Path(metrics_root))
    recorder = SegmentRecorder(camera_id, Path(recordings_root), 10.0, lambda closed: None)
    source = StreamSource("file", main_path, loop=True)
    while not stop.is_set():
        with StreamSession(source) as session:
            assert session.video_stream is not None
            recorder.start_connection(session.video_stream)
            decoder = FrameDecoder(session.video_stream, camera_id, FrameOptions())
            for timed in session.packets():
                for frame in decoder.decode(timed.packet, timed.ts):
                    analysis.offer(frame)
                recorder.write(timed)
                if stop.is_set():
                    break
    recorder.close()
    analysis.stop()


def quality_camera_main(name: str, sub_path: str, spec, out_path: str, max_frames: int | None) -> None:  # type: ignore[no-untyped-def]
    """Run the engine's analysis over one sub-stream clip, once, in real time; write its tracks."""
    from camera_drivers.frames import FrameDecoder
    from camera_drivers.stream import StreamSession, StreamSource
    from detectors.analysis import CameraAnalysis
    from vms.runtime.remote_detector import RemoteDetector

    service = spec.detector_service
    remote = RemoteDetector(service.address, service.authkey, name, spec.pipeline.detector, timeout_s=5.0)
    analysis = CameraAnalysis(spec.pipeline, spec.rules, detector=remote)
    frames: list[dict] = []
    first_ts: float | None = None
    decoded = 0
    with StreamSession(StreamSource("file", sub_path)) as session:
        assert session.video_stream is not None
        fps = float(session.video_stream.average_rate or 25)
        decoder = FrameDecoder(session.video_stream, name, spec.frame_options)
        for timed in session.packets():
            for frame in decoder.decode(timed.packet, timed.ts):
                first_ts = frame.ts if first_ts is None else first_ts
                remote.priority = len(analysis.pipeline.tracker.live_boxes()) > 0
                tracks = analysis.step(frame).tracks
                frames.append({"frame": round((frame.ts - first_ts) * fps) + 1, "lag_s": time.time() - frame.ts,
                               "xyxy": tracks.xyxy.tolist(), "id": tracks.tracker_id.tolist(),
                               "class_id": tracks.class_id.tolist()})
            decoded = decoder.decoded
            if max_frames is not None and decoded >= max_frames:
                break
    remote.close()
    Path(out_path).write_text(json.dumps({"name": name, "decoded": decoded, "frames": frames,
                                          "model_runs": analysis.model_runs, "detector": remote.counts}))
