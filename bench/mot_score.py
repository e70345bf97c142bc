"""Scoring tracker output against ground truth with motmetrics (CLEAR MOT + IDF1, IoU >= 0.5).

Shared by bench/detect_eval.py and bench/track_tune.py. Ground truth is per frame (1-based):
ids, xyxy boxes, and optional ignore regions (boxes a tracker is not scored on: a hypothesis
lying mostly inside one (>= 50 % of its area) that matches no scored box is dropped, the way the
MOT17 devkit drops hypotheses on distractors). Metrics are computed on the frames that were
analysed only, so a 5 fps run is scored on its own frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import motmetrics as mm
import numpy as np

from detectors.types import Detections, box_iou

METRICS = ["mota", "idf1", "precision", "recall", "num_switches", "num_fragmentations",
           "num_unique_objects", "mostly_tracked", "num_false_positives", "num_misses"]


@dataclass
class Truth:
    """Ground truth of one clip: {frame: (ids (n,), xyxy (n, 4))}, ignore {frame: (k, 4)},
    and the project class ids the truth is about (tracks of other classes are not scored)."""

    boxes: dict[int, tuple[np.ndarray, np.ndarray]]
    classes: list[int]
    ignore: dict[int, np.ndarray] = field(default_factory=dict)
    frames: tuple[int, int] | None = None  # (first, last) scored frame, inclusive; None = all

    def scored(self, frame: int) -> bool:
        return self.frames is None or self.frames[0] <= frame <= self.frames[1]


def load_mot_gt(path: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """MOT gt.txt (`frame,id,left,top,width,height,conf,...`) -> {frame: (ids, xyxy)}; conf 0 rows
    are MOT's "ignore" and left out."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    rows = rows[rows[:, 6] != 0]
    out = {}
    for f in np.unique(rows[:, 0]):
        r = rows[rows[:, 0] == f]
        out[int(f)] = (r[:, 1].astype(int), np.concatenate([r[:, 2:4], r[:, 2:4] + r[:, 4:6]], axis=1))
    return out


def _drop_on_ignore(dets: Detections, iou: np.ndarray, ignore: np.ndarray | None) -> tuple[Detections, np.ndarray]:
    if ignore is None or not len(ignore) or not len(dets):
        return dets, iou
    lo = np.maximum(dets.xyxy[:, None, :2], ignore[None, :, :2])
    hi = np.minimum(dets.xyxy[:, None, 2:], ignore[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area = np.maximum(np.prod(dets.xyxy[:, 2:] - dets.xyxy[:, :2], axis=1), 1.0)
    inside = (inter / area[:, None]).max(axis=1) >= 0.5
    matched = (iou >= 0.5).any(axis=0) if iou.shape[0] else np.zeros(len(dets), bool)
    keep = ~(inside & ~matched)
    return dets[keep], iou[:, keep]


def score(tracks: dict[int, Detections], truth: Truth, frames: set[int] | None = None) -> dict[str, float]:
    """Metrics over the analysed frames `tracks` (frame number -> that frame's tracker output),
    restricted to `frames` when given (e.g. one half of a clip)."""
    acc = mm.MOTAccumulator(auto_id=True)
    for f in sorted(tracks):
        if (frames is not None and f not in frames) or not truth.scored(f):
            continue
        dets = tracks[f]
        dets = dets[np.isin(dets.class_id, truth.classes)]
        gid, gxyxy = truth.boxes.get(f, (np.zeros(0, int), np.zeros((0, 4))))
        iou = box_iou(gxyxy, dets.xyxy)
        dets, iou = _drop_on_ignore(dets, iou, truth.ignore.get(f))
        # motmetrics 1.4's iou_matrix uses np.asfarray (gone in NumPy 2): the same rule by hand,
        # distance 1 - IoU, no match (NaN) below IoU 0.5.
        acc.update(gid.tolist(), dets.tracker_id.tolist(), np.where(iou >= 0.5, 1.0 - iou, np.nan))
    summary = mm.metrics.create().compute(acc, metrics=METRICS, name="x")
    out = {k: float(summary[k].iloc[0]) for k in summary.columns}
    gt_tracks = max(out["num_unique_objects"], 1.0)
    out["switches_per_gt"] = out["num_switches"] / gt_tracks
    out["fragments_per_gt"] = out["num_fragmentations"] / gt_tracks
    return out
