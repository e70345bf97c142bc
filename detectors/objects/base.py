"""The backend contract and the plumbing every backend shares.

A backend implements one method, `detect(images)`: a batch of BGR crops in, one `Detections`
per crop out (boxes in that crop's pixels, project class ids, unwanted classes dropped).
The base class owns the rest: cutting regions out of the frame, shifting boxes back to frame
coordinates and merging duplicates where regions overlap.

A region is a *window* on the frame: it may reach past the frame's edges, and what lies outside
is shown as flat grey. That is how the region planner (`detectors.regions.ViewPlanner`) picks the
detector's view without the backend knowing: a square window over a 4:3 frame is a letterbox
(aspect kept), a square 1.25x the frame's longer side is a zoomed-out look (big objects shown
smaller), a window inside the frame is a crop. A window larger than the model's input
(`input_side`) is composed straight at that size, so a zoomed-out look costs one small resize.

The pipeline calls only `detect_frame(frame, regions)`. That is the seam for a detector that
lives elsewhere (a client of a shared detector service overrides it or `detect`) and for one
that does not look at pixels at all (the simulated detector reads the frame's ground truth).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import cv2
import numpy as np

from detectors.frame import Frame
from detectors.types import Detections, box_iou


class ObjectDetector(ABC):
    """Base class: subclasses set `name` and implement `detect`."""

    name: str = "base"
    # False for a backend that never looks at pixels (the simulated detector): motion cannot tell
    # where its objects are, so the pipeline asks it about the whole frame on every frame.
    needs_pixels: bool = True
    # Square input side of the model (px) when it has one: windows are composed at that size.
    input_side: int | None = None

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
        views = [window_image(frame_bgr, r, self.input_side) for r in regions]
        per_crop = self.detect([image for image, _ in views])
        h, w = frame_bgr.shape[:2]
        parts = []
        for (x1, y1, x2, y2), (_, scale), dets in zip(regions, views, per_crop):
            if not len(dets):
                continue
            shifted = dets.xyxy / scale + np.array([x1, y1, x1, y1], np.float32)
            shifted = np.clip(shifted, 0, [w, h, w, h]).astype(np.float32)  # a window's padding is not the frame
            ok = (shifted[:, 2] - shifted[:, 0] >= 1) & (shifted[:, 3] - shifted[:, 1] >= 1)
            cut = _touches_inner_edge(shifted[ok], (x1, y1, x2, y2), (w, h))
            parts.append(Detections(shifted[ok], dets.confidence[ok], dets.class_id[ok], data={"cut": cut}))
        merged = Detections.merge(parts)
        keep = merge_overlapping(merged.xyxy, merged.confidence, merged.data.get("cut"))
        out = merged[keep]
        return Detections(out.xyxy, out.confidence, out.class_id)


PAD_GREY = 114  # the usual letterbox grey (mid-grey: no edges, no colour)


def window_image(frame_bgr: np.ndarray, region: np.ndarray, max_side: int | None = None
                 ) -> tuple[np.ndarray, float]:
    """The picture a window shows, and its scale (image px per frame px).

    Args:
        frame_bgr: (H, W, 3) uint8.
        region: xyxy window in frame pixels; it may reach past the frame (shown grey there).
        max_side: a window larger than this (on its longer side) that reaches past the frame is
            composed already scaled down to it (the backend would resize it anyway).
    Returns:
        A crop (a view, scale 1) for a window inside the frame; else a new grey image holding
        the frame's part of the window.
    """
    h, w = frame_bgr.shape[:2]
    x1, y1, x2, y2 = (int(v) for v in region)
    if x1 >= 0 and y1 >= 0 and x2 <= w and y2 <= h:
        return frame_bgr[y1:y2, x1:x2], 1.0
    ww, wh = max(x2 - x1, 1), max(y2 - y1, 1)
    scale = min(1.0, max_side / max(ww, wh)) if max_side else 1.0
    out_w, out_h = max(1, round(ww * scale)), max(1, round(wh * scale))
    canvas = np.full((out_h, out_w, 3), PAD_GREY, np.uint8)
    fx1, fy1, fx2, fy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
    if fx2 <= fx1 or fy2 <= fy1:
        return canvas, scale
    px1, py1 = round((fx1 - x1) * scale), round((fy1 - y1) * scale)
    px2, py2 = min(out_w, round((fx2 - x1) * scale)), min(out_h, round((fy2 - y1) * scale))
    if px2 <= px1 or py2 <= py1:
        return canvas, scale
    part = frame_bgr[fy1:fy2, fx1:fx2]
    if (px2 - px1, py2 - py1) != (fx2 - fx1, fy2 - fy1):
        part = cv2.resize(part, (px2 - px1, py2 - py1), interpolation=cv2.INTER_LINEAR)  # as the backends resize
    canvas[py1:py2, px1:px2] = part
    return canvas, scale


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
