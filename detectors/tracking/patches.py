"""Still-object re-confirmation from the luma plane: is the object still where it stood?

A standing pedestrian or a parked car leaves the motion mask within seconds and is not worth a
model run every frame, but it must stay a track (it can be struck, it can be an intruder). Its
box is compared with a template taken when the detector last saw it there: both are the Y plane
inside the box, shrunk to SIDE x SIDE (area averaging, which also averages away sensor noise).
- Textured patches are compared by normalised cross-correlation, blind to gain and offset, so a
  cloud or the camera's exposure does not end the track; an object that leaves, or one that
  walks in front, replaces the texture and the correlation falls.
- Flat patches (a dark car at night, a plain coat) have no texture to correlate; there the mean
  level and the mean absolute difference decide.
Cost: one area resize and a dot product per still track and frame (tens of microseconds).
"""

from __future__ import annotations

import cv2
import numpy as np

SIDE = 16
TEXTURE_STD = 6.0  # grey levels: below this a patch is "flat"
MIN_NCC = 0.6
FLAT_MEAN_TOL = 14.0  # grey levels
FLAT_MAD_TOL = 8.0


def patch(y: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """(SIDE, SIDE) float32 patch of the luma plane inside `box` (xyxy), None if off-frame or
    smaller than 2x2 px."""
    h, w = y.shape[:2]
    x1, y1 = int(max(0, np.floor(box[0]))), int(max(0, np.floor(box[1])))
    x2, y2 = int(min(w, np.ceil(box[2]))), int(min(h, np.ceil(box[3])))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return cv2.resize(y[y1:y2, x1:x2], (SIDE, SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)


def same_patch(template: np.ndarray, current: np.ndarray) -> bool:
    """True when `current` still shows what `template` showed (see the module docstring)."""
    t = template - template.mean()
    c = current - current.mean()
    t_std, c_std = float(t.std()), float(c.std())
    if t_std < TEXTURE_STD and c_std < TEXTURE_STD:
        level = abs(float(template.mean()) - float(current.mean()))
        return level <= FLAT_MEAN_TOL and float(np.abs(t - c).mean()) <= FLAT_MAD_TOL
    if t_std < TEXTURE_STD or c_std < TEXTURE_STD:
        return False  # texture appeared on a flat object or vanished from a textured one
    ncc = float((t * c).mean() / (t_std * c_std))
    return ncc >= MIN_NCC
