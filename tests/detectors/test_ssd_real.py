"""The offline default detector on real frames with known content (needs VMS_TEST_DATA)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.models import SSD_MOBILENET_V2_COCO, ModelMissingError, model_file
from detectors.blobs import mask_boxes
from detectors.types import ClassId, box_iou
from tests.detectors.conftest import read_frame


def _mot_boxes(gt_path: Path, frame: int) -> np.ndarray:
    rows = np.loadtxt(gt_path, delimiter=",", ndmin=2)
    r = rows[rows[:, 0] == frame]
    return np.stack([r[:, 2], r[:, 3], r[:, 2] + r[:, 4], r[:, 3] + r[:, 5]], axis=1)


def _matched(pred: np.ndarray, gt: np.ndarray, thr: float) -> int:
    if len(pred) == 0:
        return 0
    return int((box_iou(gt, pred).max(axis=1) >= thr).sum())


def test_tud_campus_people_found(test_data: Path, ssd) -> None:
    root = test_data / "mot15_tud_campus"
    frame = read_frame(root / "TUD-Campus.mp4", 1)
    (dets,) = ssd.detect([frame])
    people = dets[dets.class_id == int(ClassId.PERSON)]
    gt = _mot_boxes(root / "gt.txt", 1)
    assert len(gt) == 6
    assert _matched(people.xyxy, gt, 0.5) >= 4  # measured: 5 of 6 (one is mostly hidden)
    assert len(dets[dets.class_id != int(ClassId.PERSON)]) == 0


def test_pets09_small_people_found_in_crops(test_data: Path, ssd) -> None:
    root = test_data / "pets09_s2l1"
    frame = read_frame(root / "pets09_s2l1_view001_h264.mp4", 100)
    gt = _mot_boxes(root / "gt.txt", 100)
    h, w = frame.shape[:2]
    centres = (gt[:, :2] + gt[:, 2:]) / 2
    regions = np.concatenate([centres - 90, centres + 90], axis=1).clip(0, [w, h, w, h]).astype(int)
    dets = ssd.detect_regions(frame, regions)
    people = dets[dets.class_id == int(ClassId.PERSON)]
    assert _matched(people.xyxy, gt, 0.5) >= 0.75 * len(gt)


@pytest.mark.parametrize(
    ("index", "cars"),
    [
        # Boxes of whole cars, read off the CDnet ground-truth masks of these frames.
        (600, [[184, 35, 211, 54]]),
        (900, [[162, 135, 231, 203], [106, 87, 153, 134]]),
        (1200, [[139, 88, 193, 141]]),
    ],
)
def test_cdnet_highway_cars_found(test_data: Path, ssd, index: int, cars: list[list[int]]) -> None:
    root = test_data / "cdnet_highway"
    gt = cv2.imread(str(root / "groundtruth" / f"gt{index:06d}.png"), cv2.IMREAD_GRAYSCALE)
    gt_boxes, _ = mask_boxes(((gt == 255) * 255).astype(np.uint8), 100)
    assert all(c in gt_boxes.tolist() for c in cars)  # the table matches the ground truth
    frame = read_frame(root / "highway_input_h264.mp4", index)
    (dets,) = ssd.detect([frame])
    found = dets[dets.class_id == int(ClassId.CAR)]
    assert _matched(found.xyxy, np.array(cars, np.float32), 0.5) == len(cars)


def test_missing_model_names_fetch_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMS_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelMissingError, match="python -m detectors.models fetch"):
        model_file(SSD_MOBILENET_V2_COCO, "fs/coco_labels.txt")
