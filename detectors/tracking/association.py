"""Association costs between predicted track boxes and detections, and the assignment.

Two cues, fused into one cost matrix per stage:
- IoU of the predicted box with the detection: the sharpest cue when the prediction is good.
- Scale-normalised distance: the centre offset divided by the predicted box's own width and
  height, and the log size ratio. A car approaching at 5 fps moves and grows by a third of its
  size between looks, so its box can miss the prediction's IoU gate while it is plainly the same
  car; in box units that is a small step, whatever the car's size in the picture. The distance
  pass only ranks after every IoU pair (its costs are above 1 - min_iou), so it never steals a
  detection that overlaps its own track well.
Gating by the filter's Mahalanobis distance keeps the distance pass honest: a track just seen
has a tight gate, a track lost for a second a wider one. A tentative track (seen once, velocity
unknown) is gated by distance and size alone.
"""

from __future__ import annotations

import lap
import numpy as np

from detectors.types import box_iou

CHI2_4DOF_99 = 13.28  # 99 % gate of a 4-d Gaussian
FORBIDDEN = 1e6


def normalised_distance(pred: np.ndarray, det: np.ndarray) -> np.ndarray:
    """(n, m) centre offset in units of the predicted box: hypot(dx / w, dy / h)."""
    pw = np.maximum(pred[:, 2] - pred[:, 0], 1.0)[:, None]
    ph = np.maximum(pred[:, 3] - pred[:, 1], 1.0)[:, None]
    dx = (det[None, :, 0] + det[None, :, 2] - pred[:, None, 0] - pred[:, None, 2]) / 2
    dy = (det[None, :, 1] + det[None, :, 3] - pred[:, None, 1] - pred[:, None, 3]) / 2
    return np.hypot(dx / pw, dy / ph)


def log_size_ratio(pred: np.ndarray, det: np.ndarray) -> np.ndarray:
    """(n, m) max over width and height of |log(det side / predicted side)|."""
    pw, ph = (np.maximum(pred[:, k + 2] - pred[:, k], 1.0) for k in (0, 1))
    dw, dh = (np.maximum(det[:, k + 2] - det[:, k], 1.0) for k in (0, 1))
    return np.maximum(np.abs(np.log(dw[None, :] / pw[:, None])), np.abs(np.log(dh[None, :] / ph[:, None])))


def fused_cost(
    pred: np.ndarray,
    det: np.ndarray,
    maha: np.ndarray | None,
    min_iou: float,
    max_distance: np.ndarray | float,
    max_log_size: float,
) -> np.ndarray:
    """(n, m) cost: 1 - IoU where IoU >= min_iou; else, inside the gates, 1 - min_iou plus the
    normalised distance over its gate (so in (1 - min_iou, 2 - min_iou]); else FORBIDDEN.

    Args:
        pred: (n, 4) predicted track boxes; det: (m, 4) detection boxes.
        maha: (n, m) squared Mahalanobis distances (gate CHI2_4DOF_99); None = no such gate (a
            tentative track: one sighting says nothing about its velocity, only size and distance do).
        max_distance: normalised-distance gate, scalar or (n,) per track.
    """
    iou = box_iou(pred, det).astype(np.float64)
    dist = normalised_distance(pred, det)
    gate = np.broadcast_to(np.asarray(max_distance, np.float64).reshape(-1, 1), dist.shape)
    near = (dist <= gate) & (log_size_ratio(pred, det) <= max_log_size)
    if maha is not None:
        near &= maha <= CHI2_4DOF_99
    cost = np.full(iou.shape, FORBIDDEN)
    cost = np.where(near, 1.0 - min_iou + dist / np.maximum(gate, 1e-9), cost)
    return np.where(iou >= max(min_iou, 1e-6), 1.0 - iou, cost)


def iou_cost(pred: np.ndarray, det: np.ndarray, min_iou: float) -> np.ndarray:
    """(n, m) cost 1 - IoU, FORBIDDEN below `min_iou`."""
    iou = box_iou(pred, det).astype(np.float64)
    return np.where(iou >= max(min_iou, 1e-6), 1.0 - iou, FORBIDDEN)


def assign(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-cost assignment; returns (rows, cols) of the allowed pairs (cost < FORBIDDEN).

    LAPJV (the `lap` package) with a cost limit: a row or column may stay unpaired at half the
    limit each. The limit exceeds twice the sum of all allowed costs, so as many allowed pairs as
    possible are made first and their total cost is minimised among those (the same optimum as a
    Hungarian solver on the matrix with FORBIDDEN entries). Forbidden entries are lowered to the
    limit before solving: LAPJV loses precision on costs as large as FORBIDDEN.
    """
    if cost.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    allowed = cost < FORBIDDEN
    if not allowed.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    limit = 2.0 * float(np.abs(cost[allowed]).sum()) + 1.0
    solvable = np.where(allowed, cost, limit).astype(np.float64)
    _, col_of_row, _ = lap.lapjv(solvable, extend_cost=True, cost_limit=limit)
    rows = np.flatnonzero(col_of_row >= 0)
    cols = col_of_row[rows]
    ok = allowed[rows, cols]
    return rows[ok].astype(np.int64), cols[ok].astype(np.int64)
