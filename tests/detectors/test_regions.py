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
    assert chosen.for_detector("nanodet").full_frame_area == 1.0  # set explicitly: kept
    assert plan_regions(boxes, (768, 576), chosen).tolist() != [[0, 0, 768, 576]]


# -- the whole-frame view by object size (ViewPlanner) ---------------------------------------------
from detectors.regions import ViewPlanner, fit_zoom, square_window  # noqa: E402


def test_square_windows_centre_the_frame() -> None:
    assert square_window((640, 480)).tolist() == [0, -80, 640, 560]  # letterbox of a 4:3 frame
    assert square_window((640, 480), 1.25).tolist() == [-80, -160, 720, 640]  # zoomed out 1.25x
    assert square_window((640, 360)).tolist() == [0, -140, 640, 500]  # 16:9


@pytest.mark.parametrize(
    ("heights", "expected"),
    [
        ([], 1.0),  # nothing seen yet: the plain letterbox
        ([60, 80, 90], 1.0),  # small at the input (640 px frame -> 0.5 scale): stays
        ([300, 320, 340, 360], 1.75),  # big walkers: ~180 px at the input -> zoomed out, capped at zoom_max
        ([250, 250, 260], 1.25),  # ~130 px -> 1.35 wanted -> 1.25 (steps of 1/8)
        ([20, 30, 250, 260], 1.0),  # a small far object too: zooming out would lose it
    ],
)
def test_fit_zoom_brings_big_objects_into_the_band_but_keeps_small_ones(heights, expected) -> None:
    cfg = RegionConfig(view="fit", zoom_max=1.75)
    assert fit_zoom(np.array(heights, float), (640, 480), 320, cfg) == expected


def test_view_planner_replaces_the_whole_frame_by_its_window() -> None:
    wh = (640, 480)
    whole = np.array([[0, 0, 640, 480]])
    crop = np.array([[10, 10, 170, 170]])
    stretch = ViewPlanner(RegionConfig(view="stretch"), 320)
    assert stretch.apply(whole, wh).tolist() == [[0, 0, 640, 480]]
    letterbox = ViewPlanner(RegionConfig(view="letterbox"), 320)
    assert letterbox.apply(whole, wh).tolist() == [[0, -80, 640, 560]]
    assert letterbox.apply(crop, wh).tolist() == crop.tolist()  # crops are left alone
    fit = ViewPlanner(RegionConfig(view="fit", size_memory_s=5.0), 320)
    assert fit.apply(whole, wh).tolist() == [[0, -80, 640, 560]]  # nothing seen yet
    fit.observe(0.0, np.array([300.0, 320.0]))
    assert fit.apply(whole, wh).tolist() == [[-160, -240, 800, 720]]  # big people: zoomed out 1.5x
    fit.observe(6.0, np.zeros(0))  # 6 s later they are forgotten
    assert fit.apply(whole, wh).tolist() == [[0, -80, 640, 560]]
    assert ViewPlanner(RegionConfig(view="fit"), None).apply(whole, wh).tolist() == [[0, 0, 640, 480]]  # no input size
    auto = ViewPlanner(RegionConfig().for_detector("nanodet"), 320)  # NanoDet-g's default: auto
    assert auto.apply(whole, wh).tolist() == [[0, 0, 640, 480]]  # 4:3: stretched as before
    assert auto.apply(np.array([[0, 0, 640, 360]]), (640, 360)).tolist() == [[0, -140, 640, 500]]  # 16:9: fit
