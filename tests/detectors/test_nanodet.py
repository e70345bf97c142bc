"""NanoDet-g: decoding of raw outputs (synthetic tensors), tfjs weight reading, config checks.

The real model on real frames is in test_nanodet_real.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from detectors.objects.configs import NanoDetConfig
from detectors.objects.nanodet import REG_BINS, cell_centres, decode
from detectors.objects.nanodet_convert import read_tfjs_weights
from detectors.pipeline import PipelineConfig
from detectors.types import ClassId

SIDE = 320
CELLS = sum((SIDE // s) ** 2 for s in (8, 16, 32))  # 1600 + 400 + 100


def _raw() -> tuple[np.ndarray, np.ndarray]:
    scores = np.full((CELLS, 80), 1e-4, np.float32)
    reg = np.zeros((CELLS, 4 * REG_BINS), np.float32)
    return scores, reg


def _peak(reg: np.ndarray, cell: int, bins: tuple[int, int, int, int]) -> None:
    """Regression logits of one cell that put (almost) all mass on one bin per side."""
    for side, b in enumerate(bins):
        reg[cell, side * REG_BINS + b] = 30.0


def test_cell_centres_are_cell_middles_per_stride() -> None:
    c = cell_centres(SIDE)
    assert c.shape == (CELLS, 3)
    # stride 8, cell (x=3, y=2) -> index 2 * 40 + 3; first stride-16 cell follows the 1600 of stride 8
    assert c[2 * 40 + 3].tolist() == [28.0, 20.0, 8.0]
    assert c[1600].tolist() == [8.0, 8.0, 16.0]
    assert c[-1].tolist() == [304.0, 304.0, 32.0]


@pytest.mark.parametrize(
    ("cell", "coco", "bins", "expected_box", "expected_class"),
    [
        # stride 8, cell x=3 y=2: centre (28, 20); sides 2, 1, 3, 4 bins of 8 px
        (2 * 40 + 3, 0, (2, 1, 3, 4), [12.0, 12.0, 52.0, 52.0], ClassId.PERSON),
        # stride 32, cell x=9 y=9 (last): centre (304, 304); 10 bins left/top, 0 right/bottom
        (CELLS - 1, 2, (10, 10, 0, 0), [-16.0, -16.0, 304.0, 304.0], ClassId.CAR),
        # stride 16, cell x=0 y=1: centre (8, 24); COCO 3 motorcycle
        (1600 + 20, 3, (0, 1, 1, 0), [8.0, 8.0, 24.0, 24.0], ClassId.MOTORBIKE),
    ],
)
def test_decode_box_from_cell_centre_and_bins(cell, coco, bins, expected_box, expected_class) -> None:
    scores, reg = _raw()
    scores[cell, coco] = 0.9
    _peak(reg, cell, bins)
    dets = decode(scores, reg, cell_centres(SIDE), 0.3, 0.5)
    assert dets.class_id.tolist() == [int(expected_class)]
    np.testing.assert_allclose(dets.xyxy[0], expected_box, atol=1e-3)
    assert dets.confidence[0] == pytest.approx(0.9)


def test_decode_expected_value_between_bins() -> None:
    scores, reg = _raw()
    cell = 0  # stride 8, centre (4, 4)
    scores[cell, 0] = 0.8
    reg[cell, 2 * REG_BINS + 1] = reg[cell, 2 * REG_BINS + 2] = 30.0  # right side: half bin 1, half 2
    dets = decode(scores, reg, cell_centres(SIDE), 0.3, 0.5)
    # left/top/bottom: uniform logits -> expected bin 5 -> 40 px; right: 1.5 bins -> 12 px
    np.testing.assert_allclose(dets.xyxy[0], [4 - 40, 4 - 40, 4 + 12, 4 + 40], atol=1e-3)


def test_decode_drops_unwanted_classes_and_low_scores_and_applies_nms_per_class() -> None:
    scores, reg = _raw()
    centres = cell_centres(SIDE)
    a, b = 5 * 40 + 5, 5 * 40 + 6  # neighbouring stride-8 cells: boxes of 32 px overlap heavily
    for cell in (a, b):
        _peak(reg, cell, (2, 2, 2, 2))
    scores[a, 0], scores[b, 0] = 0.9, 0.7  # two persons on one object -> one kept
    scores[b, 7] = 0.6  # truck on the same spot: another class, kept
    scores[a, 16] = 0.99  # COCO 16 dog: not a product class
    scores[100, 2] = 0.29  # below the threshold
    dets = decode(scores, reg, centres, 0.3, 0.5)
    assert sorted(zip(dets.class_id.tolist(), np.round(dets.confidence.astype(float), 2).tolist())) == [
        (int(ClassId.PERSON), 0.9), (int(ClassId.TRUCK), 0.6)]


def test_decode_nothing_above_threshold_is_empty() -> None:
    scores, reg = _raw()
    dets = decode(scores, reg, cell_centres(SIDE), 0.3, 0.5)
    assert len(dets) == 0 and dets.xyxy.shape == (0, 4)


def test_read_tfjs_weights_widens_fp16_and_keeps_int32() -> None:
    halves = np.array([[0.5, -2.0], [1.25, 3.0]], np.float16)
    ints = np.array([7, -1, 26], np.int32)
    manifest = [{"paths": ["x.bin"], "weights": [
        {"name": "w", "shape": [2, 2], "dtype": "float32", "quantization": {"dtype": "float16"}},
        {"name": "shape", "shape": [3], "dtype": "int32"},
        {"name": "empty", "shape": [0, 1], "dtype": "int32"},
    ]}]
    out = read_tfjs_weights(manifest, halves.tobytes() + ints.tobytes())
    assert out["w"].dtype == np.float32 and out["w"].tolist() == [[0.5, -2.0], [1.25, 3.0]]
    assert out["shape"].tolist() == [7, -1, 26]
    assert out["empty"].shape == (0, 1)
    with pytest.raises(ValueError, match="manifest covers"):
        read_tfjs_weights(manifest, halves.tobytes() + ints.tobytes() + b"\0\0\0\0")


@pytest.mark.parametrize("device", ["CPU", "GPU", "GPU.1", "NPU", "AUTO", "AUTO:GPU,CPU"])
def test_device_names_accepted(device: str) -> None:
    assert NanoDetConfig(device=device).device == device


@pytest.mark.parametrize(("key", "value"), [("device", "cuda"), ("input_size", 512), ("threads", 0)])
def test_bad_config_names_the_key(key: str, value) -> None:
    with pytest.raises(ValidationError, match=key):
        NanoDetConfig(**{key: value})


def test_nanodet_is_the_default_and_ssd_the_named_fallback() -> None:
    assert PipelineConfig().detector.type == "nanodet"
    assert PipelineConfig.model_validate({"detector": {"type": "ssd_tflite"}}).detector.type == "ssd_tflite"


def test_letterbox_centres_the_picture_on_a_grey_square() -> None:
    from detectors.objects.nanodet import PAD_GREY, letterbox

    img = np.zeros((30, 40, 3), np.uint8)
    square, (ox, oy) = letterbox(img)
    assert square.shape == (40, 40, 3) and (ox, oy) == (0, 5)
    assert (square[:5] == PAD_GREY).all() and (square[35:] == PAD_GREY).all() and (square[5:35] == 0).all()
    tall, (ox, oy) = letterbox(np.zeros((50, 20, 3), np.uint8))
    assert tall.shape == (50, 50, 3) and (ox, oy) == (15, 0)
