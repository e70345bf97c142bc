"""Decoding benchmark clips to BGR frames (shared by the benchmarks; decode is never timed)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def read_frames(path: Path, limit: int | None = None, step: int = 1) -> list[np.ndarray]:
    """Every `step`-th (H, W, 3) uint8 BGR frame of a clip, at most `limit` of them."""
    cap = cv2.VideoCapture(str(path))
    frames: list[np.ndarray] = []
    index = 0
    while limit is None or len(frames) < limit:
        ok, frame = cap.read()
        if not ok:
            break
        if index % step == 0:
            frames.append(frame)
        index += 1
    cap.release()
    return frames
