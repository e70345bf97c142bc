"""The one frame type that crosses from ingest into the detection pipeline.

A `Frame` carries the luma plane (what motion needs, almost free to read from a decoded
frame) and produces BGR only on demand (what object detection needs, 2-3x dearer).
`RateGate` thins a stream to the analysis rate (detect fps) by frame time, the same way for
decoded cameras, files and rendered scenes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


class FrameTruth(Protocol):
    """Ground truth of one frame (n objects, parallel arrays), as a simulated camera knows it.

    Only the simulated detector reads it; real cameras never carry truth.
    """

    xyxy: np.ndarray  # (n, 4) float32 boxes in main-stream pixels (the scene's size)
    class_name: np.ndarray  # (n,) str class names ("car", "person", ...)
    occluded: np.ndarray  # (n,) float share of the box hidden by nearer objects

    def __len__(self) -> int: ...


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
            object), in main-stream pixels; the clearly named simulated detector degrades them.
            Never set for real cameras.
        main_wh: (width, height) of the camera's main (recorded) stream, whose pixels rule
            geometry, calibration and reported boxes use. None: this frame is full size. A
            frame of the sub stream, or one scaled down for analysis, is smaller (see `scale`).
    """

    camera_id: str
    ts: float
    y: np.ndarray
    bgr_source: Callable[[], np.ndarray] | None = None
    truth: FrameTruth | None = None
    main_wh: tuple[int, int] | None = None
    _bgr: np.ndarray | None = field(default=None, repr=False)

    @property
    def height(self) -> int:
        return int(self.y.shape[0])

    @property
    def width(self) -> int:
        return int(self.y.shape[1])

    @property
    def scale(self) -> tuple[float, float]:
        """(sx, sy): main-stream pixels per pixel of this frame ((1.0, 1.0) for a full-size frame)."""
        if self.main_wh is None:
            return (1.0, 1.0)
        return (self.main_wh[0] / self.width, self.main_wh[1] / self.height)

    def bgr(self) -> np.ndarray:
        """Return the BGR image (H, W, 3) uint8, converting once and caching."""
        if self._bgr is None:
            if self.bgr_source is None:
                # Grey frames (e.g. synthetic tests) still give a valid 3-channel image.
                self._bgr = np.repeat(self.y[:, :, None], 3, axis=2)
            else:
                self._bgr = self.bgr_source()
        return self._bgr


class RateGate:
    """Keeps frames at `fps` on a fixed time grid (None or 0: keeps every frame).

    A frame is kept when its time reaches the next grid point, minus a small tolerance so that
    a 25 fps stream thinned to 5 fps keeps exactly every 5th frame despite rounded timestamps.
    After a gap (reconnect, dropped frames) or a step back in time (a re-anchored connection
    clock) the grid restarts at the next kept frame.
    """

    def __init__(self, fps: float | None, tolerance_s: float = 0.004) -> None:
        self.period = 1.0 / fps if fps else 0.0
        self.tolerance_s = tolerance_s
        self._due: float | None = None

    def keep(self, ts: float) -> bool:
        if self.period == 0.0:
            return True
        if self._due is not None and ts < self._due - 2 * self.period:
            self._due = None  # time stepped back (a re-anchored clock): restart the grid here
        if self._due is not None and ts < self._due - self.tolerance_s:
            return False
        late = self._due is None or ts > self._due + self.period
        self._due = (ts if late else self._due) + self.period  # type: ignore[operator]
        return True

    def reset(self) -> None:
        self._due = None
