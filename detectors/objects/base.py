"""The backend contract and the plumbing every backend shares.

A backend implements one method, `detect(images)`: a batch of BGR crops in, one `Detections`
per crop out (boxes in that crop's pixels, project class ids, unwanted classes dropped).
The base class owns the rest: cutting regions out of the frame, shifting boxes back to frame
coordinates and merging duplicates where regions overlap.

The pipeline calls only `detect_frame(frame, regions)`. That is the seam for a detector that
lives elsewhere (a client of a shared detector service overrides it or `detect`) and for one
that does not look at pixels at all (the simulated detector reads the frame's ground truth).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from detectors.frame import Frame
from detectors.types import Detections, box_iou


class ObjectDetector(ABC):
    """Base class: subclasses set `name` and implement `detect`."""

    name: str = "base"
    # False for a backend that never looks at pixels (the simulated detector): motion cannot tell
    # where its objects are, so the pipeline asks it about the whole frame on every frame.
    needs_pixels: bool = True

    @abstractmethod
    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        """Detect objects in each image.

        Args:
            images: BGR uint8 arrays of shape (h_i, w_i, 3).
        Returns:
            One `Detections` per image, boxes in that image's pixel coordinates.
        """

    def detect_frame(self, frame: Frame, regions: np.ndarray | None = None) -> Detections:
        """Detections in frame pixels from the model run on `regions` of `frame`.

        Args:
            frame: the frame (BGR is converted only if a region is given).
            regions: (k, 4) int xyxy crops inside the frame; None means the whole frame.
        Returns:
            Merged `Detections` in frame coordinates (see `detect_regions`).
        """
        if regions is None:
            regions = np.array([[0, 0, frame.width, frame.height]], np.int32)
        if len(regions) == 0:
            return Detections.empty()
        return self.detect_regions(frame.bgr(), regions)

    def detect_regions(self, frame_bgr: np.ndarray, regions: np.ndarray) -> Detections:
        """Run the model on frame regions and return frame-coordinate detections.

        Args:
            frame_bgr: (H, W, 3) uint8.
            regions: (k, 4) int xyxy crops inside the frame.
        Returns:
            Merged `Detections`; boxes cut by a region edge that is not a frame edge lose to
            whole boxes of the same object from overlapping regions.
        """
        if len(regions) == 0:
            return Detections.empty()
        regions = np.asarray(regions, dtype=np.int32)
        crops = [frame_bgr[y1:y2, x1:x2] for x1, y1, x2, y2 in regions]
        per_crop = self.detect(crops)
        h, w = frame_bgr.shape[:2]
        parts = []
        for (x1, y1, x2, y2), dets in zip(regions, per_crop):
            if not len(dets):
                continue
            shifted = dets.xyxy + np.array([x1, y1, x1, y1], np.float32)
            cut = _touches_inner_edge(shifted, (x1, y1, x2, y2), (w, h))
            parts.append(Detections(shifted, dets.confidence, dets.class_id, data={"cut": cut}))
        merged = Detections.merge(parts)
        keep = merge_overlapping(merged.xyxy, merged.confidence, merged.data.get("cut"))
        out = merged[keep]
        return Detections(out.xyxy, out.confidence, out.class_id)


def _touches_inner_edge(
    xyxy: np.ndarray, region: tuple[int, int, int, int], frame_wh: tuple[int, int], margin: float = 2.0
) -> np.ndarray:
    """(n,) bool: box lies on a region edge that is inside the frame (object likely cut)."""
    x1, y1, x2, y2 = region
    w, h = frame_wh
    left = (xyxy[:, 0] <= x1 + margin) & (x1 > 0)
    top = (xyxy[:, 1] <= y1 + margin) & (y1 > 0)
    right = (xyxy[:, 2] >= x2 - margin) & (x2 < w)
    bottom = (xyxy[:, 3] >= y2 - margin) & (y2 < h)
    return left | top | right | bottom


def merge_overlapping(
    xyxy: np.ndarray,
    score: np.ndarray,
    cut: np.ndarray | None = None,
    iou_threshold: float = 0.5,
    cover_threshold: float = 0.7,
) -> np.ndarray:
    """Greedy class-agnostic suppression for boxes from overlapping regions.

    Whole boxes are preferred over cut ones; a box is suppressed when its IoU with a kept
    box exceeds `iou_threshold` or when a kept box covers `cover_threshold` of it (a cut
    box is mostly inside the whole one).

    Returns:
        (m,) int64 indices to keep, in priority order.
    """
    n = len(xyxy)
    if n == 0:
        return np.zeros(0, np.int64)
    priority = score.astype(np.float64) - (cut.astype(np.float64) if cut is not None else 0.0)
    order = np.argsort(-priority, kind="stable")
    iou = box_iou(xyxy, xyxy)
    cover = box_coverage(xyxy)  # cover[i, j]: fraction of box i inside box j
    suppressed = np.zeros(n, bool)
    keep = []
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= (iou[i] > iou_threshold) | (cover[:, i] > cover_threshold)
    return np.asarray(keep, np.int64)


def box_coverage(xyxy: np.ndarray) -> np.ndarray:
    """(n, n) float32: fraction of box i's area that lies inside box j."""
    lo = np.maximum(xyxy[:, None, :2], xyxy[None, :, :2])
    hi = np.minimum(xyxy[:, None, 2:], xyxy[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area = np.prod(np.clip(xyxy[:, 2:] - xyxy[:, :2], 0, None), axis=1)
    return (inter / np.maximum(area[:, None], 1e-6)).astype(np.float32)


def nms_per_class(
    xyxy: np.ndarray, score: np.ndarray, class_id: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Class-aware greedy NMS. Returns (m,) int64 kept indices, highest score first."""
    if len(xyxy) == 0:
        return np.zeros(0, np.int64)
    # Offsetting boxes by class separates classes in one pass (no per-class loop).
    offset = class_id.astype(np.float32)[:, None] * (float(xyxy.max()) + 1.0)
    boxes = xyxy + offset
    order = np.argsort(-score, kind="stable")
    iou = box_iou(boxes, boxes)
    suppressed = np.zeros(len(xyxy), bool)
    keep = []
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return np.asarray(keep, np.int64)
