"""The simulated detector: exact without degradation, deterministic per seed, degradations as configured."""

from __future__ import annotations

import numpy as np
import pytest

from camera_drivers.simulator import SceneRenderer, load_scene
from detectors.frame import Frame
from detectors.objects import build_detector
from detectors.objects.configs import SimulatedConfig
from detectors.types import ClassId

EXACT = dict(miss_rate=0.0, jitter=0.0, confuse_vehicle=0.0, confuse_two_wheel=0.0, false_positives=0.0,
             occluded_miss=1.01, min_side_px=0.0)


@pytest.fixture(scope="module")
def truth():
    return SceneRenderer(load_scene("hit_and_run_demo")).objects_at(31.0)


def frame(truth) -> Frame:
    return Frame("sim", 0.0, np.zeros((360, 640), np.uint8), truth=truth)


def test_exact_without_degradation(truth) -> None:
    det = build_detector(SimulatedConfig(**EXACT))
    out = det.detect_frame(frame(truth))
    assert det.name == "simulated"
    np.testing.assert_allclose(out.xyxy, truth.xyxy, atol=1e-4)
    assert out.class_id.tolist() == [int(ClassId[c.upper()]) for c in truth.class_name]


def test_deterministic_per_seed(truth) -> None:
    a = build_detector(SimulatedConfig(seed=7)).detect_frame(frame(truth))
    b = build_detector(SimulatedConfig(seed=7)).detect_frame(frame(truth))
    c = build_detector(SimulatedConfig(seed=8, jitter=0.05)).detect_frame(frame(truth))
    np.testing.assert_array_equal(a.xyxy, b.xyxy)
    assert not np.array_equal(a.xyxy[: len(c)], c.xyxy[: len(a)])


@pytest.mark.parametrize(("change", "check"), [
    ({"miss_rate": 0.9}, lambda out, n: len(out) < n),
    ({"confuse_vehicle": 1.0, "confuse_two_wheel": 1.0}, lambda out, n: len(out) == n),
    ({"false_positives": 10.0}, lambda out, n: len(out) > n),
    ({"occluded_miss": 0.0}, lambda out, n: len(out) == 0),  # everything counts as hidden
])
def test_degradations(truth, change: dict, check) -> None:
    out = build_detector(SimulatedConfig(**{**EXACT, **change})).detect_frame(frame(truth))
    assert check(out, len(truth))


def test_two_wheel_confusion_swaps(truth) -> None:
    out = build_detector(SimulatedConfig(**{**EXACT, "confuse_two_wheel": 1.0})).detect_frame(frame(truth))
    moto = [i for i, c in enumerate(truth.class_name) if c == "motorbike"]
    assert moto and all(out.class_id[i] == ClassId.BICYCLE for i in moto)


def test_no_truth_no_detections() -> None:
    det = build_detector(SimulatedConfig(**EXACT))
    assert len(det.detect_frame(Frame("real", 0.0, np.zeros((10, 10), np.uint8)))) == 0
    assert [len(d) for d in det.detect([np.zeros((10, 10, 3), np.uint8)])] == [0]
