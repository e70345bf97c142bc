"""One camera's analysis: detection pipeline + rule engine, the single home of the per-camera loop.

    analysis = CameraAnalysis(pipeline_config, rules_config, detector=shared_detector)
    for frame in frames:                      # at the camera's detect fps
        step = analysis.step(frame)           # events (start/update/end), tracks, finished tracks
        ...                                   # write events, describe their objects
    events = analysis.close()                 # end what is still open (end of file or connection)
    tracks = analysis.finish_tracks()         # summaries of the tracks still alive (end of a file)

The live analysis thread, file analysis (`vms analyze`), scene analysis and the benchmarks all
run this class, so a change to the loop is a change in one place. It is also the one place where
the tracker's ids and the rule engine's stable ids (re-linked across tracker id breaks) are
joined: every id that leaves this class is a stable id.

Geometry: rules and calibration are configured in main-stream pixels; the analysed frame may be
smaller (the sub stream, a `max_width` resize; `Frame.main_wh`). The pipeline runs in frame
pixels (its calibration mapped once per frame size), its tracks go to main pixels, and the rules
run there on the geometry as configured (`detectors.geometry`): tracks, event boxes and event
evidence leave in main-stream pixels, whatever stream or size was analysed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from detectors.attributes import TrackSummary
from detectors.frame import Frame
from detectors.geometry import FrameGeometry
from detectors.objects import ObjectDetector
from detectors.pipeline import DetectionPipeline, PipelineConfig, PipelineResult
from detectors.rules import RuleEngine, RuleEvent, RulesConfig
from detectors.types import CLASS_NAMES_EN, CLASS_NAMES_VI, ClassId, Detections


@dataclass(slots=True)
class AnalysisStep:
    """What one analysed frame produced.

    Attributes:
        ts: frame time (UTC seconds).
        events: rule lifecycle steps, in order (objects carry stable ids).
        tracks: tracked objects of this frame (tracker ids, as the tracker reported them), main px.
        finished: summaries of tracks that ended, `track_id` = stable id.
        pipeline: the pipeline's full result (motion, regions, raw detections), frame px.
    """

    ts: float
    events: list[RuleEvent]
    tracks: Detections
    finished: list[TrackSummary]
    pipeline: PipelineResult


class CameraAnalysis:
    """Stateful per-camera analysis. The detector may be shared between cameras (one instance)."""

    def __init__(self, pipeline: PipelineConfig | None = None, rules: RulesConfig | None = None,
                 detector: ObjectDetector | None = None) -> None:
        self.pipeline = DetectionPipeline(pipeline, detector=detector)
        self.engine = RuleEngine(rules or RulesConfig())  # runs in main-stream px
        self.calibration = self.pipeline.config.calibration  # in main-stream px
        self.geometry: FrameGeometry | None = None  # the frame size the pipeline's calibration is mapped to
        self.last_ts: float | None = None

    @property
    def frames(self) -> int:
        return self.pipeline.frames

    @property
    def model_runs(self) -> int:
        return self.pipeline.model_runs

    @property
    def model_runs_per_camera_second(self) -> float:
        return self.pipeline.model_runs_per_camera_second

    def step(self, frame: Frame) -> AnalysisStep:
        """Analyse one frame: motion -> detector -> tracker -> attributes -> rules."""
        geometry = FrameGeometry.of(frame)
        if geometry != self.geometry:  # first frame, or the stream came back at another size
            self.pipeline.attributes.calibration = geometry.calibration_to_frame(self.calibration)
            self.geometry = geometry
        result = self.pipeline.step(frame)
        tracks = geometry.detections_to_main(result.tracks)
        events = self.engine.update(frame, tracks)
        self.last_ts = frame.ts
        finished = [self._stable_summary(s) for s in result.finished]
        return AnalysisStep(frame.ts, events, tracks, finished, result)

    def close(self, ts: float | None = None) -> list[RuleEvent]:
        """End every open event at `ts` (default: the last analysed frame); [] before any frame."""
        ts = self.last_ts if ts is None else ts
        return self.engine.close(ts) if ts is not None else []

    def finish_tracks(self) -> list[TrackSummary]:
        """Summaries of every track still alive (stable ids), forgetting them: the end of a file."""
        attributes = self.pipeline.attributes
        return [self._stable_summary(attributes.pop(tid)) for tid in attributes.track_ids()]

    def stable_id(self, tracker_id: int) -> int:
        """The rule engine's stable id of a tracker id (itself when never re-linked)."""
        return self.engine.history.alias.get(tracker_id, tracker_id)

    def describe(self, stable_id: int) -> TrackSummary | None:
        """Class, colour, direction and speed of a stable id, from its newest live tracker track.

        A stable id whose tracker tracks are all gone is described by its class alone (colour
        "", no direction); None when the id is unknown.
        """
        attributes = self.pipeline.attributes
        live = set(attributes.track_ids())
        raws = [raw for raw, sid in self.engine.history.alias.items() if sid == stable_id and raw in live]
        if raws:
            return dataclasses.replace(attributes.summary(max(raws)), track_id=stable_id)
        cls = self.engine.history.class_of(stable_id)
        if cls is None:
            return None
        ts = self.last_ts or 0.0
        return TrackSummary(stable_id, cls, CLASS_NAMES_EN[ClassId(cls)], CLASS_NAMES_VI[ClassId(cls)], "", "",
                            None, None, 0.0, None, ts, ts, None)

    def _stable_summary(self, summary: TrackSummary) -> TrackSummary:
        stable = self.stable_id(summary.track_id)
        return summary if stable == summary.track_id else dataclasses.replace(summary, track_id=stable)
