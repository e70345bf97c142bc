"""Polygon zones and lines: literal membership and crossing tables."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.zones import LineZone, PolygonZone, points_near_edge

SQUARE = [[100, 100], [200, 100], [200, 200], [100, 200]]


@pytest.mark.parametrize(("point", "inside"), [
    ((150, 150), True), ((101, 101), True), ((99, 150), False), ((250, 150), False),
    ((150, 199), True), ((-5, 150), False), ((150, 400), False),
])
def test_polygon_contains(point: tuple[float, float], inside: bool) -> None:
    zone = PolygonZone(SQUARE, (320, 240))
    assert zone.contains(np.array([point])).tolist() == [inside]


def test_polygon_vectorised_and_triangle() -> None:
    zone = PolygonZone([[0, 0], [100, 0], [0, 100]], (200, 200))
    pts = np.array([[10, 10], [80, 80], [40, 40], [5, 90]])
    assert zone.contains(pts).tolist() == [True, False, True, True]


def test_polygon_needs_three_points() -> None:
    with pytest.raises(ValueError):
        PolygonZone([[0, 0], [1, 1]], (10, 10))


@pytest.mark.parametrize(("before", "after", "expected"), [
    ((50, 90), (50, 110), 1),    # downwards across a left-to-right line: left side (-1) to right (+1) = "in"
    ((50, 110), (50, 90), -1),   # back up: "out"
    ((50, 80), (50, 95), 0),     # stays above
    ((250, 90), (250, 110), 0),  # crosses the extension of the segment, not the segment
    ((50, 100), (50, 120), 0),   # starts on the line: not a crossing
])
def test_line_crossings(before: tuple, after: tuple, expected: int) -> None:
    line = LineZone((0, 100), (200, 100))
    assert line.crossings(np.array([before]), np.array([after])).tolist() == [expected]


def test_line_sides() -> None:
    line = LineZone((0, 100), (200, 100))
    assert line.side(np.array([[10, 50], [10, 150], [10, 100]])).tolist() == [-1, 1, 0]


def test_points_near_edge() -> None:
    pts = np.array([[5, 100], [100, 100], [316, 100], [100, 238]])
    assert points_near_edge(pts, (320, 240), 10).tolist() == [True, False, True, True]
