"""IR night pictures: what the object model sees, and motion as a second witness for weak scores.

A commune camera at night switches to its IR lamps: the picture is grey (no chroma), darker and
noisier than by day, brighter where the lamps reach. A COCO detector trained on colour daylight
photos scores such objects low: NanoDet-g gives an approaching IR car 0.30-0.47 where the same car
by day scores 0.55-0.65, below the tracker's new-track threshold (0.45), so the car is tracked
only shortly before it reaches anyone (bench/RESULTS.md, "Night").

Two general measures, for monochrome frames only (a colour frame passes through untouched):

1. **What the model sees** (`model_view`): the grey picture lightly denoised (3x3 Gaussian) and
   its levels stretched (1st-99th percentile to the full range). The motion detector, the
   tracker's patches and the colour attribute keep the camera's own picture.
2. **Motion confirms a weak detection** (`confirm`): a detection the model scored between
   `confirm_min_score` and the tracker's thresholds counts as a confident one when at least
   `confirm_motion_share` of its box is moving in the motion mask. The model says "a car,
   probably" and the pixels of that box really move: two independent weak witnesses. A still
   thing the model half-recognises (a sign, a bin, a parked car) gets nothing: it does not move.

Why not a lower night threshold everywhere: a low score alone also fires on noise and on static
clutter that IR texture makes look object-like; requiring motion keeps the negatives clean.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detectors.colour import frame_tone
from detectors.frame import Frame
from detectors.types import Detections

SAMPLE_ROWS = 48  # rows sampled for the level histogram


class NightConfig(BaseModel):
    """How IR (monochrome) frames are handled (`detection.night` of a camera)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Treat monochrome (IR) frames specially at all.")
    enhance: bool = Field(True, description="Denoise and stretch the levels of IR frames before the model.")
    stretch_percentiles: tuple[float, float] = Field(
        (1.0, 99.0), description="Grey levels at these percentiles become 0 and 255 in the model's view."
    )
    confirm_min_score: float = Field(
        0.3, ge=0.0, le=1.0,
        description="An IR detection scoring at least this, whose box moves, counts as a confident one "
        "(the detector's own score_threshold, 0.3 by default, drops weaker ones before).",
    )
    confirm_motion_share: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of the detection's box that must be moving to confirm it."
    )
    confirmed_score: float = Field(
        0.5, ge=0.0, le=1.0, description="Score given to a motion-confirmed IR detection."
    )


@dataclass(frozen=True, slots=True)
class NightView:
    """One frame as the night logic saw it."""

    monochrome: bool
    frame: Frame  # what the model should look at (the frame itself unless enhanced)


def is_monochrome(bgr: np.ndarray) -> bool:
    """True for a grey picture (IR night, black-and-white mode): even its most colourful pixels
    have no chroma. The same test that makes the colour attribute say "unknown"."""
    return frame_tone(bgr).monochrome


def stretch_levels(grey: np.ndarray, percentiles: tuple[float, float]) -> np.ndarray:
    """(H, W) uint8 with the given percentiles of `grey` mapped to 0 and 255 (a lookup table)."""
    step = max(1, grey.shape[0] // SAMPLE_ROWS)
    hist = np.bincount(grey[::step, ::2].ravel(), minlength=256).cumsum()
    lo = int(np.searchsorted(hist, hist[-1] * percentiles[0] / 100.0, side="right"))
    hi = int(np.searchsorted(hist, hist[-1] * percentiles[1] / 100.0))
    if hi - lo < 8:  # a flat picture (a covered lens, a black frame): nothing to stretch
        return grey
    lut = np.clip((np.arange(256, dtype=np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    return cv2.LUT(grey, lut)


class NightLogic:
    """Per-camera: the model's view of IR frames and the motion check of weak IR detections."""

    def __init__(self, config: NightConfig | None = None) -> None:
        self.config = config or NightConfig()

    def view(self, frame: Frame) -> NightView:
        """Decide whether `frame` is IR and build the picture the model should see."""
        cfg = self.config
        if not cfg.enabled:
            return NightView(False, frame)
        bgr = frame.bgr()
        if not is_monochrome(bgr):
            return NightView(False, frame)
        if not cfg.enhance:
            return NightView(True, frame)
        grey = stretch_levels(cv2.GaussianBlur(bgr[:, :, 1], (3, 3), 0), cfg.stretch_percentiles)
        shown = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
        model_frame = Frame(frame.camera_id, frame.ts, grey, bgr_source=lambda: shown,
                            truth=frame.truth, main_wh=frame.main_wh)
        return NightView(True, model_frame)

    def confirm(self, view: NightView, detections: Detections, motion_mask: np.ndarray,
                frame_wh: tuple[int, int]) -> Detections:
        """Detections with weak IR scores raised where their box moves (see the module notes)."""
        cfg = self.config
        if not view.monochrome or not len(detections) or cfg.confirm_min_score >= cfg.confirmed_score:
            return detections
        conf = detections.confidence
        weak = (conf >= cfg.confirm_min_score) & (conf < cfg.confirmed_score)
        if not weak.any():
            return detections
        share = moving_share(detections.xyxy[weak], motion_mask, frame_wh)
        raised = conf.copy()
        idx = np.flatnonzero(weak)[share >= cfg.confirm_motion_share]
        if not len(idx):
            return detections
        raised[idx] = cfg.confirmed_score
        return Detections(detections.xyxy, raised.astype(np.float32), detections.class_id,
                          detections.tracker_id, dict(detections.data))


def moving_share(xyxy: np.ndarray, mask: np.ndarray, frame_wh: tuple[int, int]) -> np.ndarray:
    """(n,) float: share of each frame-px box whose pixels are set in the (work-resolution) mask."""
    if mask is None or mask.size == 0:
        return np.zeros(len(xyxy), np.float32)
    mh, mw = mask.shape[:2]
    sx, sy = mw / frame_wh[0], mh / frame_wh[1]
    integral = cv2.integral((mask > 0).astype(np.uint8))
    x1 = np.clip(np.floor(xyxy[:, 0] * sx), 0, mw).astype(np.int64)
    y1 = np.clip(np.floor(xyxy[:, 1] * sy), 0, mh).astype(np.int64)
    x2 = np.clip(np.ceil(xyxy[:, 2] * sx), 0, mw).astype(np.int64)
    y2 = np.clip(np.ceil(xyxy[:, 3] * sy), 0, mh).astype(np.int64)
    inside = integral[y2, x2] - integral[y1, x2] - integral[y2, x1] + integral[y1, x1]
    area = np.maximum((x2 - x1) * (y2 - y1), 1)
    return (inside / area).astype(np.float32)
