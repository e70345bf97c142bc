"""Polygon zones and counting lines over arrays of anchor points.

`PolygonZone` rasterises its polygon once into a mask, so "which of these n points are inside"
is one fancy-indexing lookup instead of n point-in-polygon tests. `LineZone` gives the side of
the line for all points at once; only the per-track "previous side" memory lives in the rules.
Coordinates are full-frame image pixels (x right, y down).
"""

from __future__ import annotations

import cv2
import numpy as np


class PolygonZone:
    """A polygon rasterised for a frame of `frame_wh` pixels.

    Args:
        polygon: (k, 2) vertices, k >= 3, image px.
        frame_wh: (width, height) of the frames whose points are looked up.
    """

    def __init__(self, polygon: np.ndarray | list, frame_wh: tuple[int, int]) -> None:
        self.polygon = np.asarray(polygon, np.float32).reshape(-1, 2)
        if len(self.polygon) < 3:
            raise ValueError("a zone polygon needs at least 3 points")
        w, h = int(frame_wh[0]), int(frame_wh[1])
        self.mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(self.mask, [np.round(self.polygon).astype(np.int32)], 1)

    def contains(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) float points -> (n,) bool inside; points outside the frame are outside."""
        pts = np.round(np.asarray(points, np.float64).reshape(-1, 2)).astype(np.int64)
        h, w = self.mask.shape
        ok = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
        out = np.zeros(len(pts), bool)
        out[ok] = self.mask[pts[ok, 1], pts[ok, 0]].astype(bool)
        return out


class LineZone:
    """A directed segment from `start` to `end`.

    Side +1 is the right-hand side when walking from start to end (image y grows downwards,
    so for a horizontal line drawn left-to-right, +1 is below it), -1 the left, 0 on the line.
    A crossing "in" goes from -1 to +1, "out" from +1 to -1.
    """

    def __init__(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.start = np.asarray(start, np.float64)
        self.end = np.asarray(end, np.float64)
        self.vector = self.end - self.start
        self.length2 = float(self.vector @ self.vector)
        if self.length2 <= 0:
            raise ValueError("a line needs two distinct points")

    def side(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) points -> (n,) int8 side in {-1, 0, +1}."""
        rel = np.asarray(points, np.float64).reshape(-1, 2) - self.start
        cross = self.vector[0] * rel[:, 1] - self.vector[1] * rel[:, 0]
        return np.sign(cross).astype(np.int8)

    def crossings(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Which moves from `before` to `after` cross the segment itself (not its extension).

        Args:
            before, after: (n, 2) points of the same n tracks at two times.
        Returns:
            (n,) int8: +1 crossed "in", -1 crossed "out", 0 no crossing.
        """
        s0, s1 = self.side(before), self.side(after)
        changed = (s0 != 0) & (s1 != 0) & (s0 != s1)
        # Where does the move meet the infinite line? Keep it only if inside the segment.
        p0 = np.asarray(before, np.float64).reshape(-1, 2)
        p1 = np.asarray(after, np.float64).reshape(-1, 2)
        c0 = np.abs(self._cross(p0))
        c1 = np.abs(self._cross(p1))
        frac = c0 / np.maximum(c0 + c1, 1e-12)
        hit = p0 + (p1 - p0) * frac[:, None]
        u = ((hit - self.start) @ self.vector) / self.length2
        inside = (u >= 0.0) & (u <= 1.0)
        return np.where(changed & inside, s1, 0).astype(np.int8)

    def _cross(self, points: np.ndarray) -> np.ndarray:
        rel = points - self.start
        return self.vector[0] * rel[:, 1] - self.vector[1] * rel[:, 0]


def points_near_edge(points: np.ndarray, frame_wh: tuple[int, int], margin: float) -> np.ndarray:
    """(n, 2) points -> (n,) bool within `margin` px of the frame border."""
    p = np.asarray(points, np.float64).reshape(-1, 2)
    w, h = frame_wh
    return (p[:, 0] < margin) | (p[:, 0] > w - margin) | (p[:, 1] < margin) | (p[:, 1] > h - margin)
