"""Main-stream pixels <-> pixels of the analysed frame.

Everything a person configures or looks at is in pixels of the camera's MAIN (recorded) stream:
zones, lines and lane directions drawn on the camera's picture, the ground calibration, the
boxes of an event (so they line up with the recorded footage), the simulator's ground truth.
Analysis runs on smaller frames: the sub stream (e.g. 640x360 beside a 1920x1080 main), or a
frame scaled down by `max_width`. `FrameGeometry` is the mapping for one frame size. Motion,
detection, tracking and track attributes run in frame pixels (the calibration is mapped into them
once per size); the tracks then go to main pixels, where the rules run on the geometry exactly as
drawn (a zone edge is not rounded to the coarser grid of a small frame, and a 3 px wide zone at
1080p does not vanish at 360p) and where every box and position an event reports is. The two
axes may scale differently (a 704x576 D1 sub stream beside a 16:9 main): every mapping is per axis.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from detectors.attributes import Calibration
from detectors.frame import Frame
from detectors.types import Detections


@dataclass(frozen=True, slots=True)
class FrameGeometry:
    """The frame size analysed and the main-stream size its geometry is configured in."""

    frame_wh: tuple[int, int]
    main_wh: tuple[int, int]

    @classmethod
    def of(cls, frame: Frame) -> "FrameGeometry":
        frame_wh = (frame.width, frame.height)
        return cls(frame_wh, frame.main_wh or frame_wh)

    @property
    def scale(self) -> tuple[float, float]:
        """(sx, sy): main pixels per frame pixel."""
        return (self.main_wh[0] / self.frame_wh[0], self.main_wh[1] / self.frame_wh[1])

    @property
    def identity(self) -> bool:
        return self.main_wh == self.frame_wh

    # -- configuration: main px -> frame px (once per frame size) --------------------------------
    def calibration_to_frame(self, calibration: Calibration) -> Calibration:
        """Image->ground calibration of main pixels, as one of frame pixels (H_frame = H_main @ S)."""
        if self.identity or (calibration.homography is None and calibration.metres_per_pixel is None):
            return calibration
        sx, sy = self.scale
        if calibration.homography is not None:
            hmat = np.asarray(calibration.homography, np.float64) @ np.diag([sx, sy, 1.0])
            return calibration.model_copy(update={"homography": hmat.tolist()})
        mpp = float(calibration.metres_per_pixel or 0.0)
        if math.isclose(sx, sy, rel_tol=1e-3):
            return calibration.model_copy(update={"metres_per_pixel": mpp * sx})
        # A flat scale cannot say "different metres per pixel across and down": a diagonal homography can.
        hmat = np.diag([mpp * sx, mpp * sy, 1.0])
        return calibration.model_copy(update={"homography": hmat.tolist(), "metres_per_pixel": None})

    # -- results: frame px -> main px ---------------------------------------------------------
    def boxes_to_main(self, xyxy: np.ndarray) -> np.ndarray:
        """(n, 4) frame-pixel boxes -> (n, 4) float32 main-pixel boxes (a new array)."""
        sx, sy = self.scale
        return np.asarray(xyxy, np.float32).reshape(-1, 4) * np.array([sx, sy, sx, sy], np.float32)

    def boxes_to_frame(self, xyxy: np.ndarray) -> np.ndarray:
        """(n, 4) main-pixel boxes -> (n, 4) float32 boxes in this frame's pixels."""
        sx, sy = self.scale
        return np.asarray(xyxy, np.float32).reshape(-1, 4) / np.array([sx, sy, sx, sy], np.float32)

    def detections_to_main(self, dets: Detections) -> Detections:
        if self.identity:
            return dets
        return dataclasses.replace(dets, xyxy=self.boxes_to_main(dets.xyxy))
