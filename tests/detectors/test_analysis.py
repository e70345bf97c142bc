"""detectors.analysis.CameraAnalysis: the per-camera loop, and tracker ids joined to stable ids."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detectors.analysis import CameraAnalysis
from detectors.frame import Frame
from detectors.objects import ObjectDetector
from detectors.pipeline import PipelineConfig
from detectors.rules import RulesConfig
from detectors.types import ClassId, Detections

FPS = 10.0


class ScriptedDetector(ObjectDetector):
    """Reports one car per frame from a table of boxes by frame index (no pixels needed)."""

    name = "scripted"
    needs_pixels = False

    def __init__(self, boxes: dict[int, list[float]]) -> None:
        self.boxes = boxes

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [Detections.empty() for _ in images]

    def detect_frame(self, frame: Frame, regions: np.ndarray | None = None) -> Detections:
        box = self.boxes.get(round(frame.ts * FPS))
        if box is None:
            return Detections.empty()
        return Detections(np.array([box], np.float32), np.array([0.9]), np.array([int(ClassId.CAR)]))


def _frame(i: int, box: list[float] | None = None) -> Frame:
    """A dark frame with the car drawn where the detector reports it (the tracker reads pixels)."""
    y = np.zeros((240, 320), np.uint8)
    if box is not None:
        x1, y1, x2, y2 = (int(v) for v in box)
        y[y1:y2, x1:x2] = 200
    return Frame("cam", i / FPS, y)


def test_a_tracker_id_break_keeps_one_stable_id_everywhere() -> None:
    # A car stands still, then its box jumps 0.9 widths (a detector glitch): the tracker starts a
    # new id, the rule engine re-links it to the first one. Everything leaving the class says 1.
    boxes = {i: [100.0, 100.0, 140.0, 130.0] for i in range(10)}
    boxes |= {i: [136.0, 100.0, 176.0, 130.0] for i in range(10, 20)}
    analysis = CameraAnalysis(PipelineConfig(finish_after_s=1.0), RulesConfig(), detector=ScriptedDetector(boxes))
    raw_ids = set()
    for i in range(20):
        raw_ids |= set(analysis.step(_frame(i, boxes[i])).tracks.tracker_id.tolist())
    assert raw_ids == {1, 2}
    assert analysis.stable_id(2) == 1
    described = analysis.describe(1)
    assert described is not None and described.track_id == 1 and described.class_en == "car"
    assert analysis.describe(999) is None
    finished = []
    for i in range(20, 40):  # the car drove off
        finished += analysis.step(_frame(i)).finished
    assert [t.track_id for t in finished] == [1, 1]  # both tracker tracks, under the stable id
    assert analysis.close() == [] and analysis.finish_tracks() == []
    assert analysis.frames == 40 and analysis.model_runs == 40  # whole frame each frame: no pixels needed
