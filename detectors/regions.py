"""Plan where the object model runs and how it sees the frame: crops around motion boxes and live
tracks, and the view of the whole frame chosen by object size (`ViewPlanner`).

Why crops and not the whole frame: an SSD sees 300x300 px; a 30x80 px person in a 768x576
frame shrinks to ~12x40 px and is missed, while a 200 px crop around it gives the model 1.5x
more pixels than the object has. Nearby boxes share one crop (merged while the union stays
under `max_side`), so a crowd costs a few model runs, not one per person.

The whole-frame view (`ViewPlanner`): a detector finds objects well only in a band of sizes AT
ITS INPUT (NanoDet-g at 320: recall 0.85-0.98 for objects ~24-80 px tall there, falling above
~80-100 px and below ~20 px; bench/view_sizes.py on PETS09, TUD-Campus and CDnet highway). So a
whole-frame look is a *window* (see `detectors.objects.base`): `stretch` = the frame as it is
(squeezed into the square input), `letterbox` = a square over it (aspect kept), `fit` = the
letterbox zoomed out (a square up to `zoom_max` x the longer side) just enough that the big
objects this camera has recently shown come down into the band, but never so far that its small
ones fall out of it. One model run either way: only the window changes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class RegionConfig(BaseModel):
    """Crop planning knobs (pixels are full-frame pixels)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pad: float = Field(0.5, ge=0.0, le=3.0, description="Padding around a box, fraction of its larger side.")
    min_side: int = Field(160, ge=16, le=4096, description="Smallest crop side (small objects get upscaled).")
    max_side: int = Field(320, ge=32, le=8192, description="Boxes are merged only while the crop fits this.")
    max_regions: int = Field(8, ge=1, le=64, description="Above this many crops, run on the whole frame.")
    full_frame_area: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="When crops add up to this fraction of the frame, run once on the whole frame instead "
        "(0: the whole frame whenever anything moves or is tracked). Unset: follows the detector "
        "(DETECTOR_FULL_FRAME_AREA).",
    )

    view: Literal["stretch", "letterbox", "fit", "auto"] | None = Field(
        None,
        description="How a whole-frame look shows the frame to the model: stretch (squeezed into its square "
        "input), letterbox (aspect kept, grey bands), fit (letterbox zoomed out by object size), auto (stretch "
        "up to AUTO_STRETCH_ASPECT, e.g. 4:3, fit for wider frames such as 16:9). Unset: follows the detector "
        "(DETECTOR_VIEW).")
    zoom_max: float = Field(1.5, ge=1.0, le=4.0, description="fit: widest zoom-out (window side / frame's longer side).")
    object_max_px: float = Field(
        96.0, ge=8.0, le=1024.0, description="fit: zoom out until recent objects are at most this tall at the model input.")
    object_min_px: float = Field(
        24.0, ge=1.0, le=512.0, description="fit: ...but not so far that the small ones get shorter than this there.")
    size_memory_s: float = Field(
        10.0, gt=0.0, le=3600.0, description="fit: object sizes seen this long ago still count.")

    def for_detector(self, detector_type: str) -> RegionConfig:
        """This config with an unset `full_frame_area` / `view` taken from the detector's defaults."""
        update: dict[str, object] = {}
        if "full_frame_area" not in self.model_fields_set and detector_type in DETECTOR_FULL_FRAME_AREA:
            update["full_frame_area"] = DETECTOR_FULL_FRAME_AREA[detector_type]
        if self.view is None and detector_type in DETECTOR_VIEW:
            update["view"] = DETECTOR_VIEW[detector_type]
        return self.model_copy(update=update) if update else self


# NanoDet-g sees the whole frame better than crops: crops enlarge small people into its weak band
# (~100-200 px at the 320 input). bench/detect_eval.py, NanoDet, 5 fps: PETS09 MOTA 0.514 with the
# crops (24.9 model runs per camera-second) vs 0.76 with the whole frame (5); bench/RESULTS.md.
DETECTOR_FULL_FRAME_AREA = {"nanodet": 0.0}
# The whole-frame view per detector (others: stretch, as their backends always did). NanoDet-g: auto
# (bench/RESULTS.md "Detector view by object size").
DETECTOR_VIEW: dict[str, Literal["stretch", "letterbox", "fit", "auto"]] = {"nanodet": "auto"}
# auto: frames up to this aspect (long / short side) are stretched. On 4:3 fit raises MOTA on every clip
# but the road composites (4:3) lost 2 of 16 hit-and-runs with the rules on main d04a7b8; 16:9 cuts of
# the real clips lose 0.2-0.5 MOTA when stretched, so wider frames get fit.
AUTO_STRETCH_ASPECT = 4 / 3 + 0.01
ZOOM_STEP = 0.125  # fit zooms are multiples of this: the view changes in steps, not every frame


def square_window(frame_wh: tuple[int, int], zoom: float = 1.0) -> np.ndarray:
    """(4,) int32 xyxy square of side `zoom` x the frame's longer side, centred on the frame."""
    w, h = frame_wh
    side = int(round(zoom * max(w, h)))
    x1, y1 = (w - side) // 2, (h - side) // 2
    return np.array([x1, y1, x1 + side, y1 + side], np.int32)


def fit_zoom(heights: np.ndarray, frame_wh: tuple[int, int], input_side: int, cfg: RegionConfig) -> float:
    """The letterbox zoom-out (>= 1) that brings the tall objects of `heights` (frame px) to at most
    `object_max_px` at the model input while the short ones stay at least `object_min_px` tall
    there (the short ones win); a multiple of ZOOM_STEP, at most `zoom_max`."""
    if not len(heights):
        return 1.0
    scale = input_side / max(frame_wh)  # input px per frame px in the letterbox
    tall, short = np.percentile(heights, [90, 10])
    want = tall * scale / cfg.object_max_px
    allow = max(1.0, short * scale / cfg.object_min_px)
    zoom = min(want, allow, cfg.zoom_max)
    return max(1.0, float(np.floor(zoom / ZOOM_STEP + 1e-6) * ZOOM_STEP))


class ViewPlanner:
    """Per camera: the window of a whole-frame look, from the sizes of what the model recently found."""

    def __init__(self, config: RegionConfig, input_side: int | None) -> None:
        self.config = config
        self.input_side = input_side
        self._seen = np.zeros((0, 2), np.float64)  # (ts, height in frame px) of recent detections
        self.zoom = 1.0

    def window(self, frame_wh: tuple[int, int]) -> np.ndarray:
        """(4,) int32 xyxy window for a whole-frame look (may reach past the frame)."""
        w, h = frame_wh
        view = self.config.view or "stretch"
        if view == "auto":
            view = "stretch" if max(w, h) <= AUTO_STRETCH_ASPECT * min(w, h) else "fit"
        if view == "stretch" or self.input_side is None or w == h and view == "letterbox":
            return np.array([0, 0, w, h], np.int32)
        self.zoom = 1.0 if view == "letterbox" else fit_zoom(self._seen[:, 1], frame_wh, self.input_side, self.config)
        return square_window(frame_wh, self.zoom)

    def observe(self, ts: float, heights: np.ndarray) -> None:
        """Remember the heights (frame px) of the objects the model found at `ts`."""
        heights = np.asarray(heights, np.float64).reshape(-1)
        fresh = np.stack([np.full(len(heights), ts), heights], 1)
        keep = self._seen[:, 0] >= ts - self.config.size_memory_s
        self._seen = np.concatenate([self._seen[keep], fresh])

    def apply(self, regions: np.ndarray, frame_wh: tuple[int, int]) -> np.ndarray:
        """`regions` with every whole-frame region replaced by this camera's whole-frame window."""
        regions = np.asarray(regions, np.int32).reshape(-1, 4)
        whole = (regions == np.array([0, 0, frame_wh[0], frame_wh[1]], np.int32)).all(axis=1)
        if not whole.any():
            return regions
        out = regions.copy()
        out[whole] = self.window(frame_wh)
        return out


def _square(box: np.ndarray, side: float, w: int, h: int) -> np.ndarray:
    """Square of `side` centred on `box`, shifted to lie inside the frame (clipped if larger)."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    sw, sh = min(side, w), min(side, h)
    x1 = float(np.clip(cx - sw / 2, 0, w - sw))
    y1 = float(np.clip(cy - sh / 2, 0, h - sh))
    return np.array([x1, y1, x1 + sw, y1 + sh])


def _side(box: np.ndarray, cfg: RegionConfig) -> float:
    big = max(box[2] - box[0], box[3] - box[1])
    return max(float(cfg.min_side), big * (1 + 2 * cfg.pad))


def plan_regions(
    boxes: np.ndarray, frame_wh: tuple[int, int], config: RegionConfig | None = None
) -> np.ndarray:
    """Merge boxes into square crops.

    Args:
        boxes: (n, 4) xyxy full-frame boxes (motion boxes and predicted track boxes together).
        frame_wh: (W, H) of the frame.
    Returns:
        (k, 4) int32 xyxy crops inside the frame; the whole frame as one crop when more than
        `max_regions` would be needed or crops would cover `full_frame_area` of the frame;
        (0, 4) when `boxes` is empty.
    """
    cfg = config or RegionConfig()
    w, h = frame_wh
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros((0, 4), np.int32)
    # Largest first: small boxes then join big crops that already cover them.
    groups = [b.copy() for b in boxes[np.argsort(-_areas(boxes))]]
    merged = True
    while merged and len(groups) > 1:  # at most n-1 merges
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                union = np.concatenate(
                    [np.minimum(groups[i][:2], groups[j][:2]), np.maximum(groups[i][2:], groups[j][2:])]
                )
                if _side(union, cfg) <= max(cfg.max_side, cfg.min_side) and _near(groups[i], groups[j], cfg):
                    groups[i] = union
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    crops = np.stack([_square(g, _side(g, cfg), w, h) for g in groups])
    # Big objects (near the camera) or many crops: one whole-frame run is cheaper and avoids
    # cutting large objects at crop edges.
    if len(crops) > cfg.max_regions or _areas(crops).sum() >= cfg.full_frame_area * w * h:
        return np.array([[0, 0, w, h]], np.int32)
    return np.round(crops).astype(np.int32)


def _areas(b: np.ndarray) -> np.ndarray:
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def _near(a: np.ndarray, b: np.ndarray, cfg: RegionConfig) -> bool:
    """Boxes whose padded crops would overlap are worth one crop."""
    pa = max(a[2] - a[0], a[3] - a[1]) * cfg.pad + cfg.min_side / 4
    pb = max(b[2] - b[0], b[3] - b[1]) * cfg.pad + cfg.min_side / 4
    return not (
        a[2] + pa < b[0] - pb or b[2] + pb < a[0] - pa or a[3] + pa < b[1] - pb or b[3] + pb < a[1] - pa
    )
