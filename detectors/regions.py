"""Plan where the object model runs: square crops around motion boxes and live tracks.

Why crops and not the whole frame: an SSD sees 300x300 px; a 30x80 px person in a 768x576
frame shrinks to ~12x40 px and is missed, while a 200 px crop around it gives the model 1.5x
more pixels than the object has. Nearby boxes share one crop (merged while the union stays
under `max_side`), so a crowd costs a few model runs, not one per person.
"""

from __future__ import annotations

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

    def for_detector(self, detector_type: str) -> RegionConfig:
        """This config with an unset `full_frame_area` taken from DETECTOR_FULL_FRAME_AREA."""
        if "full_frame_area" in self.model_fields_set or detector_type not in DETECTOR_FULL_FRAME_AREA:
            return self
        return self.model_copy(update={"full_frame_area": DETECTOR_FULL_FRAME_AREA[detector_type]})


# NanoDet-g sees the whole frame better than crops: crops enlarge small people into its weak band
# (~100-200 px at the 320 input). bench/detect_eval.py, NanoDet, 5 fps: PETS09 MOTA 0.514 with the
# crops (24.9 model runs per camera-second) vs 0.76 with the whole frame (5); bench/RESULTS.md.
DETECTOR_FULL_FRAME_AREA = {"nanodet": 0.0}


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
