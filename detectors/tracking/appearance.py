"""A cheap appearance cue for telling apart objects the geometry cannot: colour histograms.

Two people crossing, or a car re-appearing next to another after an occlusion, can fit the
motion prediction equally well; their clothes or paint usually differ. Per box: the central
two thirds of its width (less background), split into upper and lower half (jacket vs trousers),
each a 6 x 3 x 3 HSV histogram normalised to sum 1. Distance: 1 - histogram intersection
averaged over the halves, in [0, 1].

Measured on PETS09 ground-truth boxes (first half; same person 0.3-1 s apart vs a different
person nearby): same person median 0.24, 90th percentile 0.39; different person 10th percentile
0.43, median 0.55. Cost: two `cv2.calcHist` calls on a small crop per box (~20 us).
"""

from __future__ import annotations

import cv2
import numpy as np

BINS = (6, 3, 3)
RANGES = [0, 180, 0, 256, 0, 256]
DIM = 2 * int(np.prod(BINS))


def descriptors(bgr: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(n, DIM) float32 histograms of the (n, 4) xyxy `boxes` in the BGR image; a row of zeros
    for a box too small to describe (< 4 x 8 px)."""
    out = np.zeros((len(boxes), DIM), np.float32)
    h, w = bgr.shape[:2]
    for i, b in enumerate(np.asarray(boxes, np.float64)):
        x1, y1, x2, y2 = (int(round(v)) for v in b)
        x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
        margin = (x2 - x1) // 6
        x1, x2 = x1 + margin, x2 - margin
        if x2 - x1 < 4 or y2 - y1 < 8:
            continue
        hsv = cv2.cvtColor(bgr[y1:y2, x1:x2], cv2.COLOR_BGR2HSV)
        mid = (y2 - y1) // 2
        for k, part in enumerate((hsv[:mid], hsv[mid:])):
            hist = cv2.calcHist([part], [0, 1, 2], None, list(BINS), RANGES).reshape(-1)
            out[i, k * DIM // 2:(k + 1) * DIM // 2] = hist / max(float(hist.sum()), 1.0)
    return out


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) distances in [0, 1] between descriptor sets (n, DIM) and (m, DIM); NaN where either
    descriptor is empty (no evidence)."""
    inter = np.minimum(a[:, None, :], b[None, :, :]).sum(axis=2)
    d = 1.0 - inter / 2.0
    valid = (a.sum(axis=1) > 0)[:, None] & (b.sum(axis=1) > 0)[None, :]
    return np.where(valid, d, np.nan)
