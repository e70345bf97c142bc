"""Tests for detectors.regions crop planning."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.regions import RegionConfig, plan_regions


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        ([], []),
        # one small person: a min_side (160) square centred on it
        ([[100, 100, 130, 180]], [[35, 60, 195, 220]]),
        # two people side by side share one crop
        ([[100, 100, 130, 180], [140, 100, 170, 180]], [[55, 60, 215, 220]]),
        # far apart: two crops
        ([[100, 100, 130, 180], [600, 400, 630, 480]], [[35, 60, 195, 220], [535, 360, 695, 520]]),
        # at the frame corner the crop is shifted inside
        ([[0, 0, 30, 80]], [[0, 0, 160, 160]]),
        # a big object: crop side = 2 x its larger side, clipped to the frame height
        ([[300, 100, 500, 400]], [[100, 0, 700, 576]]),
    ],
)
def test_plan_regions(boxes, expected) -> None:
    out = plan_regions(np.array(boxes, np.float32).reshape(-1, 4), (768, 576))
    assert out.tolist() == expected


def test_too_many_regions_fall_back_to_full_frame() -> None:
    boxes = [[x, 10, x + 10, 20] for x in range(0, 760, 150)] + [
        [x, 500, x + 10, 510] for x in range(0, 760, 150)
    ]
    out = plan_regions(np.array(boxes, np.float32), (768, 576), RegionConfig(max_regions=4))
    assert out.tolist() == [[0, 0, 768, 576]]


def test_crops_covering_the_frame_fall_back_to_full_frame() -> None:
    out = plan_regions(np.array([[100, 100, 300, 300], [400, 100, 600, 300]], np.float32), (640, 480))
    assert out.tolist() == [[0, 0, 640, 480]]


def test_the_whole_frame_follows_the_detector_unless_set() -> None:
    from detectors.regions import RegionConfig

    boxes = np.array([[10, 10, 40, 90]])
    assert RegionConfig().for_detector("ssd_tflite") == RegionConfig()  # crops for the SSD
    nanodet = RegionConfig().for_detector("nanodet")
    assert plan_regions(boxes, (768, 576), nanodet).tolist() == [[0, 0, 768, 576]]  # NanoDet: the whole frame
    assert len(plan_regions(np.zeros((0, 4)), (768, 576), nanodet)) == 0  # nothing moves: no model run
    chosen = RegionConfig(full_frame_area=1.0)
    assert chosen.for_detector("nanodet") == chosen  # set explicitly: kept
    assert plan_regions(boxes, (768, 576), chosen).tolist() != [[0, 0, 768, 576]]
