"""Tests for detectors.attributes: colour and direction names, speed, snapshots."""

from __future__ import annotations

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
