"""The simulated detector: ground truth of a simulated camera, degraded like a real detector.

Only for simulated cameras (their scene script knows every object; `Frame.truth` carries it).
A real COCO model does not recognise flat drawn cars and people, so the demo and the rule
evaluation use this backend instead, and every event it leads to is labelled detector
"simulated". Degradations, all deterministic for a seed:

- missed detections (`miss_rate`), and always-missed boxes that are mostly hidden
  (`occluded_miss`) or too small: a long occlusion breaks the tracker's id;
- box jitter proportional to box size (`jitter`);
- class confusion car/truck/bus (`confuse_vehicle`) and bicycle/motorbike (`confuse_two_wheel`);
- false positives: random boxes of random classes (`false_positives`, mean per frame);
- confidences drawn around `score_mean`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from detectors.frame import Frame
from detectors.objects.base import ObjectDetector
from detectors.objects.configs import SimulatedConfig
from detectors.types import ClassId, Detections, NAME_TO_CLASS

_VEHICLES = np.array([ClassId.CAR, ClassId.TRUCK, ClassId.BUS], np.int32)
_TWO_WHEEL = np.array([ClassId.BICYCLE, ClassId.MOTORBIKE], np.int32)


class SimulatedDetector(ObjectDetector):
    """Reads `frame.truth` (a simulator GroundTruth); never looks at pixels."""

    name = "simulated"
    needs_pixels = False

    def __init__(self, config: SimulatedConfig | None = None) -> None:
        self.config = config or SimulatedConfig()
        self.rng = np.random.default_rng(self.config.seed)

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        """Pixels carry no ground truth: nothing to report (the pipeline calls `detect_frame`)."""
        return [Detections.empty() for _ in images]

    def detect_frame(self, frame: Frame, regions: np.ndarray | None = None) -> Detections:
        """Degraded detections of the frame's ground-truth objects (empty without truth).

        `regions` is ignored: the simulated detector sees the whole frame (`needs_pixels` False).
        """
        truth = frame.truth
        if truth is None or len(truth) == 0:
            return self._false_positives(frame, Detections.empty())
        cfg, rng = self.config, self.rng
        n = len(truth)
        sx, sy = frame.scale  # truth is in main-stream (scene) px; the frame may be the smaller sub stream
        xyxy = np.asarray(truth.xyxy, np.float32).reshape(n, 4) / np.array([sx, sy, sx, sy], np.float32)
        wh = xyxy[:, 2:] - xyxy[:, :2]
        keep = (rng.random(n) >= cfg.miss_rate) & (np.asarray(truth.occluded) < cfg.occluded_miss)
        keep &= np.minimum(wh[:, 0], wh[:, 1]) >= cfg.min_side_px
        noise = rng.normal(0.0, cfg.jitter, (n, 4)).astype(np.float32) * np.concatenate([wh, wh], axis=1)
        boxes = xyxy + noise
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1.0)
        class_id = np.asarray([int(NAME_TO_CLASS[str(c)]) for c in truth.class_name], np.int32)
        class_id = self._confuse(class_id)
        score = np.clip(rng.normal(cfg.score_mean, 0.08, n), 0.3, 0.99).astype(np.float32)
        dets = Detections(boxes[keep], score[keep], class_id[keep])
        return self._false_positives(frame, dets)

    def _confuse(self, class_id: np.ndarray) -> np.ndarray:
        out = class_id.copy()
        r = self.rng.random(len(out))
        veh = np.isin(out, _VEHICLES) & (r < self.config.confuse_vehicle)
        out[veh] = self.rng.choice(_VEHICLES, int(veh.sum()))
        two = np.isin(out, _TWO_WHEEL) & (r < self.config.confuse_two_wheel)
        out[two] = np.where(out[two] == ClassId.BICYCLE, ClassId.MOTORBIKE, ClassId.BICYCLE)
        return out

    def _false_positives(self, frame: Frame, dets: Detections) -> Detections:
        k = int(self.rng.poisson(self.config.false_positives))
        if k == 0:
            return dets
        w, h = frame.width, frame.height
        side = self.rng.uniform(10, 40, (k, 2))
        x1 = self.rng.uniform(0, max(w - 40, 1), k)
        y1 = self.rng.uniform(0, max(h - 40, 1), k)
        boxes = np.stack([x1, y1, x1 + side[:, 0], y1 + side[:, 1]], axis=1)
        fp = Detections(boxes, self.rng.uniform(0.3, 0.7, k), self.rng.integers(0, len(ClassId), k))
        return Detections.merge([dets, fp])
