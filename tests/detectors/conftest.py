"""Shared fixtures: real footage (VMS_TEST_DATA) and the fetched offline model."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Root of the real footage; tests that need it skip when VMS_TEST_DATA is unset."""
    root = os.environ.get("VMS_TEST_DATA")
    if not root:
        pytest.skip("VMS_TEST_DATA not set")
    return Path(root)


@pytest.fixture(scope="session")
def ssd():
    """The offline default detector. Needs `python -m detectors.models fetch` run at set-up."""
    from detectors.objects.ssd_tflite import SsdTfliteDetector

    return SsdTfliteDetector()


def read_frame(path: Path, index: int) -> np.ndarray:
    """Decode frame `index` (1-based, as in the MOT/CDnet ground truth) as BGR."""
    cap = cv2.VideoCapture(str(path))
    frame = None
    for _ in range(index):
        ok, frame = cap.read()
        assert ok, f"{path} has fewer than {index} frames"
    cap.release()
    return frame
