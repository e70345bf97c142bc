"""The one frame type that crosses from ingest into the detection pipeline.

A `Frame` carries the luma plane (what motion needs, almost free to read from a decoded
frame) and produces BGR only on demand (what object detection needs, 2-3x dearer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np


@dataclass(slots=True)
class Frame:
    """One decoded video frame.

    Attributes:
        camera_id: id of the camera the frame came from.
        ts: wall-clock capture time in seconds since the epoch (UTC), from PTS anchored once
            per connection, never from read time.
        y: luma plane, shape (H, W), dtype uint8 (may be a view into a decoder buffer copy).
        bgr_source: callable that builds the (H, W, 3) uint8 BGR image when first asked.
        truth: ground-truth objects, only for simulated cameras (their scene script knows every
            object); the clearly named simulated detector degrades them. Never set for real cameras.
    """

    camera_id: str
    ts: float
    y: np.ndarray
    bgr_source: Callable[[], np.ndarray] | None = None
    truth: object | None = None
    _bgr: np.ndarray | None = field(default=None, repr=False)

    @property
    def height(self) -> int:
        return int(self.y.shape[0])

    @property
    def width(self) -> int:
        return int(self.y.shape[1])

    def bgr(self) -> np.ndarray:
        """Return the BGR image (H, W, 3) uint8, converting once and caching."""
        if self._bgr is None:
            if self.bgr_source is None:
                # Grey frames (e.g. synthetic tests) still give a valid 3-channel image.
                self._bgr = np.repeat(self.y[:, :, None], 3, axis=2)
            else:
                self._bgr = self.bgr_source()
        return self._bgr
