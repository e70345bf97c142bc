"""bench/composite.py: cutting an object out against a plate and pasting it back, on synthetic
frames with literal expected pixels (the hit-and-run composites rely on both)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from composite import Cutout, Placement, cut, paste  # noqa: E402


def _square_object() -> Cutout:
    """A 4x2 (h x w) opaque white object."""
    return Cutout("white", np.full((4, 2, 3), 255, np.uint8), np.ones((4, 2), np.float32))


@pytest.mark.parametrize(
    ("x", "y", "painted_rows", "painted_cols"),
    [
        (5.0, 6.0, (2, 6), (4, 6)),  # bottom-centre at (5, 6): rows 2-5, columns 4-5
        (0.0, 3.0, (0, 3), (0, 1)),  # cut by the left and top edges
        (10.0, 12.0, (8, 10), (9, 10)),  # cut by the right and bottom edges
        (-5.0, 3.0, None, None),  # wholly outside: nothing painted, no error
    ],
)
def test_paste_places_bottom_centre_and_clips(x, y, painted_rows, painted_cols) -> None:
    canvas = np.zeros((10, 10, 3), np.uint8)
    paste(canvas, Placement(_square_object(), x, y))
    painted = canvas[:, :, 0] == 255
    if painted_rows is None:
        assert not painted.any()
        return
    expected = np.zeros((10, 10), bool)
    expected[painted_rows[0] : painted_rows[1], painted_cols[0] : painted_cols[1]] = True
    assert (painted == expected).all()


def test_paste_blends_with_alpha() -> None:
    canvas = np.full((4, 4, 3), 100, np.uint8)
    half = Cutout("half", np.full((2, 2, 3), 200, np.uint8), np.full((2, 2), 0.5, np.float32))
    paste(canvas, Placement(half, 2.0, 2.0))
    assert canvas[0:2, 1:3, 0].tolist() == [[150, 150], [150, 150]]
    assert canvas[3, 3, 0] == 100


@pytest.mark.parametrize(
    ("object_box", "search_box", "found"),
    [
        ((10, 10, 20, 40), (8, 8, 22, 42), (10, 30)),  # a 10x30 object: cut out whole
        ((10, 10, 20, 40), (8, 37, 22, 60), None),  # only its feet inside the box: refused
    ],
)
def test_cut_takes_the_object_against_the_plate(object_box, search_box, found) -> None:
    plate = np.full((60, 60, 3), 90, np.uint8)
    frame = plate.copy()
    x1, y1, x2, y2 = object_box
    frame[y1:y2, x1:x2] = (30, 200, 30)
    piece = cut(frame, plate, search_box, "obj")
    if found is None:
        assert piece is None
        return
    assert piece is not None
    assert piece.bgr.shape[:2] == (found[1], found[0])
    assert (piece.bgr[piece.alpha > 0.99] == (30, 200, 30)).all()
