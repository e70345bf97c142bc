"""Tests for detectors.colour: the object's own pixels, white balance, shadows, IR pictures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.colour import UNKNOWN, frame_tone, object_colour

ROAD = (118, 120, 122)  # BGR asphalt
BOX = np.array([100, 80, 220, 160])


def _street() -> np.ndarray:
    """A 320x240 street: asphalt, a green verge and a sky-blue sign (a colour picture)."""
    frame = np.full((240, 320, 3), ROAD, np.uint8)
    frame[:30] = (60, 140, 70)
    frame[200:230, 10:40] = (200, 120, 40)
    return frame


def _car(frame: np.ndarray, paint: tuple[int, int, int]) -> np.ndarray:
    """A car seen from the front inside BOX: body paint, dark windscreen, black tyres, a highlight."""
    x1, y1, x2, y2 = BOX
    frame[y1 + 10:y2, x1:x2] = paint
    frame[y1 + 14:y1 + 34, x1 + 15:x2 - 15] = (35, 35, 40)  # windscreen
    frame[y2 - 12:y2, x1 + 5:x1 + 25] = (20, 20, 20)  # tyres
    frame[y2 - 12:y2, x2 - 25:x2 - 5] = (20, 20, 20)
    frame[y1 + 16:y1 + 20, x1 + 40:x1 + 70] = (255, 255, 255)  # sun on the glass
    return frame


@pytest.mark.parametrize(
    ("paint", "expected"),
    [
        ((40, 40, 190), "red"),
        ((235, 235, 235), "white"),
        ((25, 25, 25), "black"),
        ((150, 150, 150), "grey"),
        ((160, 70, 20), "blue"),
        ((40, 200, 230), "yellow"),
        ((50, 140, 40), "green"),
    ],
)
def test_car_paint_wins_over_windows_tyres_and_road(paint, expected) -> None:
    frame = _car(_street(), paint)
    assert object_colour(frame, BOX)[0] == expected


def test_white_balance_cast_is_taken_off() -> None:
    """A warm (tungsten-like) cast over the whole picture: a white car is still white, not orange."""
    frame = _car(_street(), (235, 235, 235)).astype(np.float32)
    frame *= np.array([0.72, 0.92, 1.0], np.float32)  # less blue, a bit less green
    frame = frame.clip(0, 255).astype(np.uint8)
    assert object_colour(frame, BOX)[0] == "white"


def test_cast_shadow_in_the_box_does_not_make_a_white_car_grey() -> None:
    frame = _car(_street(), (235, 235, 235))
    x1, y1, x2, y2 = BOX
    wide = np.array([x1 - 40, y1, x2, y2])  # the box reaches over the car's shadow on the left
    frame[y1 + 20:y2, x1 - 40:x1] = (60, 61, 62)
    assert object_colour(frame, wide)[0] == "white"


def test_motion_mask_picks_the_object() -> None:
    """A red car filling only part of its box: the motion mask (at a lower resolution) says where."""
    frame = _street()
    x1, y1, x2, y2 = BOX
    frame[y1:y2, x1:x1 + 50] = (40, 40, 190)
    frame[y1:y2, x1 + 50:x2] = (150, 150, 150)  # a grey wall, not the object
    mask = np.zeros((120, 160), np.uint8)
    mask[y1 // 2:y2 // 2, x1 // 2:(x1 + 50) // 2] = 255
    assert object_colour(frame, BOX, foreground=mask)[0] == "red"


def test_person_is_named_by_the_upper_body() -> None:
    frame = _street()
    frame[100:120, 150:166] = (40, 60, 90)  # head and hair
    frame[120:150, 144:172] = (40, 40, 200)  # red jacket
    frame[150:200, 148:168] = (30, 30, 30)  # dark trousers
    assert object_colour(frame, np.array([144, 100, 172, 200]), person=True)[0] == "red"


def test_ir_picture_has_no_colour() -> None:
    """Black-and-white (IR) frames say "unknown", in both languages, never a guessed grey."""
    grey = cv2.cvtColor(_car(_street(), (40, 40, 190)), cv2.COLOR_BGR2GRAY)
    frame = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    assert frame_tone(frame).monochrome
    assert object_colour(frame, BOX) == UNKNOWN == ("unknown", "không rõ")


def test_colour_picture_is_not_monochrome() -> None:
    assert not frame_tone(_street()).monochrome


def test_empty_box_is_unknown() -> None:
    assert object_colour(_street(), np.array([10, 10, 11, 11])) == UNKNOWN


def test_hand_labelled_set_is_well_formed() -> None:
    """bench/colour_eval.py's label file: >= 150 crops, known colours, the tuning split and >= 100
crops outside it, sane boxes, no crop twice."""
    import csv
    from pathlib import Path

    from detectors.colour import COLOURS

    path = Path(__file__).resolve().parents[2] / "bench" / "data" / "colour_labels.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) >= 150
    assert {r["colour"] for r in rows} <= {c for c, _ in COLOURS}
    assert {r["split"] for r in rows} == {"tune", "heldout", "fresh", "fresh2"}
    assert sum(r["split"] != "tune" for r in rows) >= 100  # the evidence the head never saw
    assert all(int(r["x2"]) > int(r["x1"]) and int(r["y2"]) > int(r["y1"]) for r in rows)
    assert len({(r["clip"], r["frame"], r["x1"], r["y1"]) for r in rows}) == len(rows)


@pytest.mark.parametrize(
    ("paint", "expected", "why"),
    [
        ((250, 220, 195), "grey", "silver: light, but bluish on average (metallic paint mirrors the sky)"),
        ((235, 235, 235), "white", "white paint: as light, and neutral"),
        ((42, 46, 62), "brown", "dark with a faint warm cast (a* 7): brown leather or paint after H.264"),
        ((36, 40, 48), "black", "dark and nearly neutral (a* 3): black"),
    ],
)
def test_silver_is_not_white_and_dark_warm_is_brown(paint, expected, why) -> None:
    frame = _car(_street(), paint)
    assert object_colour(frame, BOX)[0] == expected, why


def test_head_matches_the_features_and_names() -> None:
    """detectors/colour_head.py (generated by bench/colour_train.py) fits colour_features: one
    weight row per feature, one column per class, every class a colour name, clip range ordered."""
    from detectors import colour_head as head
    from detectors.colour import COLOURS, colour_features

    n = len(colour_features(np.zeros((4, 3), np.float32), np.ones(4), None))
    assert head.WEIGHTS.shape == (n, len(head.CLASSES)) and head.BIAS.shape == (len(head.CLASSES),)
    assert head.MEAN.shape == head.SCALE.shape == head.LOW.shape == head.HIGH.shape == (n,)
    assert set(head.CLASSES) <= {c for c, _ in COLOURS} and (head.LOW <= head.HIGH).all()


def test_scores_are_probabilities_and_name_the_answer() -> None:
    from detectors.colour import COLOURS, colour_scores

    frame = _car(_street(), (150, 150, 150))
    scores = colour_scores(frame, BOX)
    assert scores is not None and scores.shape == (len(COLOURS),)
    assert scores.min() >= 0 and scores.sum() == pytest.approx(1.0, abs=1e-5)
    assert COLOURS[int(scores.argmax())] == object_colour(frame, BOX)


@pytest.mark.parametrize(
    ("paint", "expected"),
    [((0, 0, 255), "red"), ((255, 60, 0), "blue"), ((255, 0, 0), "blue"), ((0, 255, 0), "green"),
     ((128, 0, 128), "purple"), ((255, 0, 143), "purple")],
)
def test_vivid_paint_far_outside_the_footage_is_named_by_hue(paint, expected) -> None:
    """Vivid paint (more colourful than any labelled real crop): the head is not asked to
    extrapolate; the hue names it. sRGB blue is at Lab hue 306, violet 313, purple 328."""
    assert object_colour(_car(_street(), paint), BOX)[0] == expected


def test_a_box_too_small_to_judge_is_unknown() -> None:
    """Fewer than MIN_BOX_PX pixels: "unknown", not a guess from a handful of pixels."""
    frame = _car(_street(), (40, 40, 190))
    assert object_colour(frame, np.array([150, 120, 157, 127])) == UNKNOWN  # 7 x 7 px of red paint
    assert object_colour(frame, np.array([150, 120, 160, 130]))[0] == "red"  # 10 x 10 px
