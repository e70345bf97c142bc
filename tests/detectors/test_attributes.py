"""Tests for detectors.attributes: colour and direction names, speed, snapshots."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.attributes import Calibration, TrackAttributes, direction_name, dominant_colour
from detectors.frame import Frame
from detectors.types import ClassId, Detections


@pytest.mark.parametrize(
    ("bgr", "expected"),
    [
        ((0, 0, 0), ("black", "đen")),
        ((255, 255, 255), ("white", "trắng")),
        ((128, 128, 128), ("grey", "xám")),
        ((0, 0, 220), ("red", "đỏ")),
        ((0, 140, 255), ("orange", "cam")),
        ((0, 220, 220), ("yellow", "vàng")),
        ((0, 200, 0), ("green", "xanh lá")),
        ((220, 0, 0), ("blue", "xanh dương")),
        ((200, 0, 140), ("purple", "tím")),
        ((180, 105, 255), ("pink", "hồng")),
        ((20, 70, 120), ("brown", "nâu")),
    ],
)
def test_dominant_colour(bgr, expected) -> None:
    crop = np.full((40, 30, 3), 90, np.uint8)
    crop[8:32, 6:24] = bgr  # the object fills the centre; the border is background
    assert dominant_colour(crop) == expected


@pytest.mark.parametrize(
    ("dx", "dy", "north_deg", "expected"),
    [
        (10, 0, 0, "east"),
        (0, -10, 0, "north"),
        (-10, 10, 0, "southwest"),
        (10, -10, 0, "northeast"),
        (0, 10, 0, "south"),
        (10, 0, 90, "north"),  # image 'right' points north on this camera
    ],
)
def test_direction_name(dx, dy, north_deg, expected) -> None:
    assert direction_name(dx, dy, north_deg)[0] == expected


def _track(x: float, tid: int = 7) -> Detections:
    return Detections([[x, 100, x + 20, 160]], [0.9], [int(ClassId.CAR)], tracker_id=[tid])


@pytest.mark.parametrize(
    ("calibration", "px_s", "kmh"),
    [
        (Calibration(), 50.0, None),
        (Calibration(metres_per_pixel=0.1), 50.0, 18.0),  # 5 m/s
        (Calibration(homography=[[0.2, 0, 0], [0, 0.2, 0], [0, 0, 1]]), 50.0, 36.0),
    ],
)
def test_speed_and_summary(calibration, px_s, kmh) -> None:
    attrs = TrackAttributes(calibration)
    frame_bgr = np.zeros((240, 320, 3), np.uint8)
    frame_bgr[:, :, 2] = 220  # red everywhere: the snapshot is red
    for i in range(11):  # 10 fps, 5 px per frame to the right
        frame = Frame("cam", 1000.0 + i * 0.1, frame_bgr[:, :, 0], bgr_source=lambda: frame_bgr)
        attrs.update(frame, _track(10 + 5 * i))
    s = attrs.pop(7)
    assert s.speed_px_s == pytest.approx(px_s)
    assert (s.speed_kmh is None) if kmh is None else s.speed_kmh == pytest.approx(kmh)
    assert (s.class_en, s.class_vi) == ("car", "ô tô")
    assert (s.colour_en, s.direction_en, s.direction_vi) == ("red", "east", "đông")
    assert s.snapshot.shape == (60, 20, 3)
    assert (s.first_ts, s.last_ts) == (1000.0, pytest.approx(1001.0))
    assert attrs.track_ids() == []


def _painted(paint: tuple[int, int, int], box: tuple[int, int, int, int], grey: bool = False) -> np.ndarray:
    """A 320x240 asphalt frame with a car of `paint` in `box`; `grey`: as an IR camera shows it."""
    bgr = np.full((240, 320, 3), (118, 120, 122), np.uint8)
    bgr[:30] = (60, 140, 70)  # a green verge: a colour picture
    x1, y1, x2, y2 = box
    bgr[y1:y2, x1:x2] = paint
    if grey:
        bgr = cv2.cvtColor(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return bgr


def _update(attrs: TrackAttributes, i: int, bgr: np.ndarray, box: tuple[int, int, int, int]) -> None:
    frame = Frame("cam", 1000.0 + i * 0.2, bgr[:, :, 0], bgr_source=lambda: bgr)
    attrs.update(frame, Detections([list(box)], [0.9], [int(ClassId.CAR)], tracker_id=[3]))


def test_colour_is_voted_over_several_frames_not_the_best_snapshot_alone() -> None:
    """A red car whose largest (best-snapshot) view is washed out white by glare: the frames
    before it outvote that one view."""
    attrs = TrackAttributes()
    for i in range(8):
        box = (40 + 10 * i, 100, 100 + 10 * i, 140)
        _update(attrs, i, _painted((40, 40, 190), box), box)
    glare = (120, 96, 190, 146)  # bigger: the best snapshot
    _update(attrs, 8, _painted((250, 250, 250), glare), glare)
    s = attrs.pop(3)
    assert s.snapshot.shape[:2] == (50, 70)  # the glare frame is still the snapshot
    assert (s.colour_en, s.colour_vi) == ("red", "đỏ")


def test_a_track_seen_only_in_ir_frames_is_unknown() -> None:
    attrs = TrackAttributes()
    for i in range(6):
        box = (40 + 10 * i, 100, 100 + 10 * i, 140)
        _update(attrs, i, _painted((40, 40, 190), box, grey=True), box)
    assert attrs.pop(3).colour_en == "unknown"
