"""IR night view on real footage (needs VMS_TEST_DATA and the fetched NanoDet-g model).

CDnet highway frames turned into IR pictures (grey, 0.45x as bright, sensor noise sigma 6, as
bench/composite.py's night): NanoDet-g finds few of the ground-truth cars at the tracker's
new-track score (0.45); shown the NightLogic view (denoised, level-stretched) it finds clearly
more. And none of the shared colour clips is taken for an IR picture.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.blobs import mask_boxes
from detectors.frame import Frame
from detectors.models import NANODET_G, is_fetched, model_dir
from detectors.night import NightLogic, is_monochrome
from detectors.types import ClassId, box_iou
from tests.detectors.conftest import read_frame

VEHICLES = [int(ClassId.CAR), int(ClassId.TRUCK), int(ClassId.BUS)]


def _ir(bgr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    ir = np.clip(grey * 0.45 + rng.normal(0, 6, grey.shape), 0, 255).astype(np.uint8)
    return cv2.cvtColor(ir, cv2.COLOR_GRAY2BGR)


def _found(detector, image: np.ndarray, truth: np.ndarray) -> int:
    (dets,) = detector.detect([image])
    dets = dets[np.isin(dets.class_id, VEHICLES) & (dets.confidence >= 0.45)]
    if not len(dets):
        return 0
    return int((box_iou(truth, dets.xyxy).max(axis=1) >= 0.5).sum())


def test_ir_view_finds_more_real_cars(test_data: Path) -> None:
    if not is_fetched(NANODET_G):
        pytest.skip(f"NanoDet-g model pack not in {model_dir()}: run `python -m detectors.models fetch`")
    from detectors.objects.configs import NanoDetConfig
    from detectors.objects.nanodet import NanoDetDetector

    detector = NanoDetDetector(NanoDetConfig(threads=1))
    root = test_data / "cdnet_highway"
    rng = np.random.default_rng(1)
    logic = NightLogic()
    raw = shown = cars = 0
    for index in range(900, 1400, 25):
        gt = cv2.imread(str(root / "groundtruth" / f"gt{index:06d}.png"), cv2.IMREAD_GRAYSCALE)
        boxes, _ = mask_boxes(((gt == 255) * 255).astype(np.uint8), 100)
        if not len(boxes):
            continue
        truth = np.asarray(boxes, np.float32)
        ir = _ir(read_frame(root / "highway_input_h264.mp4", index), rng)
        view = logic.view(Frame("cam", float(index), ir[:, :, 0], bgr_source=lambda img=ir: img))
        assert view.monochrome
        cars += len(truth)
        raw += _found(detector, ir, truth)
        shown += _found(detector, view.frame.bgr(), truth)
    assert cars >= 30
    assert shown >= raw + 5 and shown >= 2 * raw, (cars, raw, shown)


@pytest.mark.parametrize("clip", [
    "cdnet_highway/highway_input_h264.mp4", "pets09_s2l1/pets09_s2l1_view001_h264.mp4",
    "intel_sample_videos/car-detection.mp4", "bgslibrary/video.avi", "bgslibrary/video02.avi",
])
def test_colour_clips_are_not_taken_for_ir(test_data: Path, clip: str) -> None:
    for index in (1, 60):
        assert not is_monochrome(read_frame(test_data / clip, index))
