"""One camera's detection pipeline: motion -> regions -> object model -> tracker -> attributes.

The object model runs only when something needs a look (`detectors.looks`: unexplained motion,
unsure tracks, confident tracks at a lower rate, a periodic full look) and only on crops planned
from motion boxes and live tracks (or the whole frame); on the other frames the tracker's filter
carries the tracks. The pipeline counts model runs so that "model runs per camera-second" can be
reported and watched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detectors.attributes import Calibration, TrackAttributes, TrackSummary
from detectors.frame import Frame
from detectors.looks import LookConfig, LookScheduler, coast
from detectors.motion import MotionConfig, MotionDetector, MotionResult
from detectors.night import NightConfig, NightLogic
from detectors.objects import DetectorConfig, ObjectDetector, build_detector
from detectors.objects.configs import default_detector
from detectors.regions import RegionConfig, ViewPlanner, plan_regions
from detectors.tracking import ByteTracker, TrackerConfig
from detectors.types import Detections


class PipelineConfig(BaseModel):
    """Per-camera detection settings (the `detection:` block of a camera's config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    motion: MotionConfig = Field(default_factory=MotionConfig, description="Motion detector settings.")
    detector: DetectorConfig = Field(default_factory=default_detector, description="Object model backend.")
    regions: RegionConfig = Field(default_factory=RegionConfig, description="Crop planning.")
    looks: LookConfig = Field(default_factory=LookConfig, description="When the model runs (adaptive detect rate).")
    tracker: TrackerConfig = Field(default_factory=TrackerConfig, description="Tracker thresholds.")
    calibration: Calibration = Field(default_factory=Calibration, description="Ground calibration.")
    night: NightConfig = Field(default_factory=NightConfig, description="IR (monochrome) frames: model view, motion check.")
    finish_after_s: float = Field(5.0, gt=0, le=600, description="A track unseen this long is finished.")


@dataclass(slots=True)
class PipelineResult:
    """Output of one step.

    Attributes:
        ts: frame time (UTC seconds).
        motion: the motion step's result.
        regions: (k, 4) int32 crops the model ran on this frame ((0, 4): the model did not run).
        detections: raw model detections in frame pixels (tracker_id -1).
        tracks: tracked objects matched this frame (tracker_id set); on a frame the model
            skipped, the previous frame's tracks at their predicted boxes (data["detected"] False).
        look: why the model ran or not (`detectors.looks` reasons: full_look, motion, ..., coast, idle).
        finished: summaries of tracks that ended (unseen for `finish_after_s`).
    """

    ts: float
    motion: MotionResult
    regions: np.ndarray
    detections: Detections
    tracks: Detections
    finished: list[TrackSummary]
    look: str = ""


class DetectionPipeline:
    """Stateful per-camera pipeline. A detector instance may be shared between cameras."""

    def __init__(self, config: PipelineConfig | None = None, detector: ObjectDetector | None = None) -> None:
        self.config = config or PipelineConfig()
        self.motion = MotionDetector(self.config.motion)
        self.detector = detector or build_detector(self.config.detector)
        self.tracker = ByteTracker(self.config.tracker, self.config.detector.type)
        self.regions = self.config.regions.for_detector(self.config.detector.type)
        # From the config, not the detector: a remote client (the node's detector service) has no model.
        self.views = ViewPlanner(self.regions, getattr(self.config.detector, "input_size", None))
        self.attributes = TrackAttributes(self.config.calibration)
        self.night = NightLogic(self.config.night)
        self.looks = LookScheduler(self.config.looks)
        self._tracks = Detections.empty()  # last reported tracks (coasted on frames the model skips)
        self.frames = 0
        self.model_runs = 0
        self._first_ts: float | None = None
        self._last_ts: float | None = None
        self._last_seen: dict[int, float] = {}

    @property
    def camera_seconds(self) -> float:
        """Seconds of video processed (span of frame timestamps, one frame interval added)."""
        if self._first_ts is None or self._last_ts is None or self.frames < 2:
            return 0.0
        span = self._last_ts - self._first_ts
        return span * self.frames / (self.frames - 1)

    @property
    def model_runs_per_camera_second(self) -> float:
        secs = self.camera_seconds
        return self.model_runs / secs if secs > 0 else 0.0

    def step(self, frame: Frame) -> PipelineResult:
        """Process one frame."""
        self._first_ts = frame.ts if self._first_ts is None else self._first_ts
        self._last_ts = frame.ts
        self.frames += 1
        motion = self.motion.detect(frame.y, frame.ts)
        # A lighting switch makes every motion box meaningless; live tracks still get looked at.
        motion_boxes = np.zeros((0, 4)) if motion.global_change else motion.boxes
        look = self.looks.decide(frame.ts, motion_boxes, motion.global_change, self.tracker,
                                 float(self.tracker.config.high_threshold or 0.0))
        if not look.run and self.detector.needs_pixels:  # the simulated detector costs nothing: it always looks
            # Nothing new to see: the tracker's filter carries the tracks (no model run, no tracker step).
            tracks = coast(self._tracks, self.tracker, frame.ts)
            self._tracks = tracks
            empty = np.zeros((0, 4), np.int32)
            return PipelineResult(frame.ts, motion, empty, Detections.empty(), tracks,
                                  self._finish(frame.ts, tracks), look.reason)
        boxes = np.concatenate([motion_boxes.astype(np.float32), self.tracker.live_boxes()])
        if look.full or not self.detector.needs_pixels:
            # A full look, or the simulated detector (it reads ground truth: it "sees" the whole frame).
            regions = np.array([[0, 0, frame.width, frame.height]], np.int32)
        else:
            regions = plan_regions(boxes, (frame.width, frame.height), self.regions)
        if self.detector.needs_pixels:  # how the whole frame is shown: by object size (detectors.regions)
            regions = self.views.apply(regions, (frame.width, frame.height))
        detections = self._detect(frame, regions, motion) if len(regions) else Detections.empty()
        sure = detections[detections.confidence >= float(self.tracker.config.high_threshold or 0.0)]
        self.views.observe(frame.ts, sure.xyxy[:, 3] - sure.xyxy[:, 1])
        self.model_runs += len(regions)
        self.looks.looked(motion_boxes, detections)
        tracks = self.tracker.update(detections, frame.ts, frame, regions)
        self._tracks = tracks
        self.attributes.update(frame, tracks, motion.mask)
        return PipelineResult(frame.ts, motion, regions, detections, tracks, self._finish(frame.ts, tracks),
                              look.reason)

    def _detect(self, frame: Frame, regions: np.ndarray, motion: MotionResult) -> Detections:
        """The model on `regions`; an IR frame is shown enhanced and its weak moving detections
        confirmed by motion (detectors/night.py)."""
        if not self.detector.needs_pixels:
            return self.detector.detect_frame(frame, regions)
        view = self.night.view(frame)
        detections = self.detector.detect_frame(view.frame, regions)
        return self.night.confirm(view, detections, motion.mask, (frame.width, frame.height))

    def _finish(self, ts: float, tracks: Detections) -> list[TrackSummary]:
        for tid in tracks.tracker_id.tolist():
            self._last_seen[tid] = ts
        done = [tid for tid, seen in self._last_seen.items() if ts - seen > self.config.finish_after_s]
        for tid in done:
            del self._last_seen[tid]
        return [self.attributes.pop(tid) for tid in done]
