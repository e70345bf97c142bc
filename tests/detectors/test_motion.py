"""Tests for detectors.motion on synthetic frames with literal expected boxes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from detectors.blobs import mask_boxes, merge_stacked, split_blobs
from detectors.motion import MotionConfig, MotionDetector, MotionProfile

H, W = 240, 320


def _background(seed: int = 0) -> np.ndarray:
    """Textured static scene with mild sensor noise-free content, (H, W) uint8."""
    rng = np.random.default_rng(seed)
    base = np.tile(np.linspace(60, 140, W, dtype=np.float32), (H, 1))
    return np.clip(base + rng.normal(0, 3, (H, W)), 0, 255).astype(np.uint8)


def _noisy(frame: np.ndarray, rng: np.random.Generator, sigma: float = 2.0) -> np.ndarray:
    return np.clip(frame.astype(np.float32) + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)


def _warm(det: MotionDetector, bg: np.ndarray, n: int = 30, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(n):
        det.detect(_noisy(bg, rng))


@pytest.mark.parametrize(
    ("square", "expected"),
    [
        ((100, 60, 140, 100), [[100, 60, 140, 100]]),
        ((10, 10, 50, 30), [[10, 10, 50, 30]]),
        ((200, 150, 260, 230), [[200, 150, 260, 230]]),
    ],
)
def test_moving_square_gives_its_box(square, expected) -> None:
    bg = _background()
    det = MotionDetector()
    _warm(det, bg)
    frame = bg.copy()
    x1, y1, x2, y2 = square
    frame[y1:y2, x1:x2] = 250
    res = det.detect(frame)
    assert not res.global_change
    # The 3x3 box blur spreads the edge by one pixel each side.
    assert np.abs(res.boxes - np.array(expected)).max() <= 1


def test_boxes_are_scaled_to_full_frame() -> None:
    bg = np.kron(_background(), np.ones((2, 2), np.uint8))  # 640x480
    det = MotionDetector(MotionConfig(work_width=320))
    _warm(det, bg)
    frame = bg.copy()
    frame[200:280, 300:380] = 250
    res = det.detect(frame)
    assert res.mask.shape == (240, 320)
    assert np.abs(res.boxes - np.array([[300, 200, 380, 280]])).max() <= 2


@pytest.mark.parametrize(
    ("offset", "global_change", "n_boxes"), [(8, False, 0), (-8, False, 0), (90, True, 0)]
)
def test_global_brightness_changes_do_not_fire(offset, global_change, n_boxes) -> None:
    bg = _background()
    det = MotionDetector()
    _warm(det, bg)
    rng = np.random.default_rng(5)
    shifted = np.clip(bg.astype(np.int16) + offset, 0, 255).astype(np.uint8)
    results = [det.detect(_noisy(shifted, rng)) for _ in range(4)]
    assert results[0].global_change is global_change
    assert [len(r.boxes) for r in results] == [n_boxes] * 4


def test_ir_switch_relearns_background() -> None:
    bg = _background()
    det = MotionDetector()
    _warm(det, bg)
    night = (255 - bg) // 2  # a completely different picture, as after a day/night IR switch
    assert det.detect(night).global_change is True
    frame = night.copy()
    frame[100:140, 100:140] = 250
    assert np.abs(det.detect(frame).boxes - [[100, 100, 140, 140]]).max() <= 1


def test_speckle_is_ignored() -> None:
    bg = _background()
    det = MotionDetector()
    _warm(det, bg)
    rng = np.random.default_rng(3)
    frame = bg.copy()
    ys, xs = rng.integers(0, H, 300), rng.integers(0, W, 300)
    frame[ys, xs] = 255  # rain/snow: isolated bright pixels
    assert len(det.detect(frame).boxes) == 0


def test_ignore_area() -> None:
    bg = _background()
    cfg = MotionConfig(ignore_areas=[[(0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)]])
    det = MotionDetector(cfg)
    _warm(det, bg)
    frame = bg.copy()
    frame[50:90, 40:80] = 250  # inside the ignored left half
    frame[50:90, 240:280] = 250  # outside
    assert np.abs(det.detect(frame).boxes - [[240, 50, 280, 90]]).max() <= 1


def test_ghost_of_object_in_first_frame_fades() -> None:
    bg = _background()
    first = bg.copy()
    first[100:140, 100:140] = 250  # an object present while the background is learnt, then gone
    det = MotionDetector(MotionConfig(day=MotionProfile(absorb_after_frames=10)))
    det.detect(first)
    counts = [len(det.detect(bg).boxes) for _ in range(15)]
    assert counts[0] == 1
    assert counts[-1] == 0


@pytest.mark.parametrize(
    ("hour_utc", "expected"),
    [(0, "day"), (10, "day"), (11, "night"), (22, "night"), (23, "day"), (3, "day")],
)
def test_day_night_schedule(hour_utc, expected) -> None:
    # Vietnam is UTC+7: 11:00 UTC = 18:00 local (night starts), 23:00 UTC = 06:00 local (day).
    cfg = MotionConfig(night=MotionProfile(min_threshold=20), night_hours=(18, 6), utc_offset_hours=7)
    ts = datetime(2026, 1, 1, hour_utc, 30, tzinfo=UTC).timestamp()
    name, prof = MotionDetector(cfg).profile_at(ts)
    assert name == expected
    assert prof.min_threshold == (20 if expected == "night" else 12)


@pytest.mark.parametrize(
    ("rects", "min_area", "expected"),
    [
        ([(0, 0, 10, 10)], 1, [[0, 0, 10, 10]]),
        ([(0, 0, 10, 10), (20, 20, 22, 22)], 20, [[0, 0, 10, 10]]),
        ([], 1, []),
    ],
)
def test_mask_boxes(rects, min_area, expected) -> None:
    mask = np.zeros((40, 40), np.uint8)
    for x1, y1, x2, y2 in rects:
        mask[y1:y2, x1:x2] = 255
    boxes, _ = mask_boxes(mask, min_area)
    assert boxes.tolist() == expected
    assert boxes.dtype == np.int32 and boxes.shape[1] == 4


def test_config_rejects_unknown_key() -> None:
    with pytest.raises(ValueError, match="sensitivty"):
        MotionConfig.model_validate({"sensitivty": 3})


@pytest.mark.parametrize(
    ("rects", "expected"),
    [
        # two people side by side joined at the shoulders by a thin bridge: split in two
        ([(10, 10, 22, 50), (22, 20, 26, 24), (26, 10, 38, 50)], [[10, 10, 22, 50], [23, 10, 38, 50]]),
        # one solid blob (a car): kept whole
        ([(10, 10, 50, 30)], [[10, 10, 50, 30]]),
        # a single person with a gap between the legs: rows are never split
        ([(10, 10, 20, 30), (10, 30, 13, 50), (17, 30, 20, 50)], [[10, 10, 20, 50]]),
    ],
)
def test_split_blobs(rects, expected) -> None:
    mask = np.zeros((60, 60), np.uint8)
    for x1, y1, x2, y2 in rects:
        mask[y1:y2, x1:x2] = 255
    boxes, areas = mask_boxes(mask, 1)
    out, _, _ = split_blobs(mask, boxes, areas, 0.65, 1)
    assert sorted(out.tolist()) == expected


@pytest.mark.parametrize(
    ("boxes", "parents", "expected"),
    [
        # head above a body with a 3 px gap (a sign in between): one upright box
        ([(10, 10, 18, 20), (8, 23, 20, 60)], [0, 1], [[8, 10, 20, 60]]),
        # a walker cut in three by a sign and a bag: merged step by step
        ([(10, 10, 18, 20), (8, 22, 20, 40), (9, 42, 19, 60)], [0, 1, 2], [[8, 10, 20, 60]]),
        # gap larger than 0.3 x the taller part: two objects
        ([(10, 10, 18, 20), (8, 40, 20, 60)], [0, 1], [[8, 40, 20, 60], [10, 10, 18, 20]]),
        # side by side (no horizontal overlap): never merged
        ([(10, 10, 20, 50), (22, 10, 32, 50)], [0, 1], [[10, 10, 20, 50], [22, 10, 32, 50]]),
        # stacked but the union is wide (a car under a sign): not upright, kept apart
        ([(10, 10, 50, 20), (10, 22, 50, 40)], [0, 1], [[10, 10, 50, 20], [10, 22, 50, 40]]),
        # two pieces split from one blob are never merged back
        ([(10, 10, 18, 30), (10, 31, 18, 60)], [0, 0], [[10, 10, 18, 30], [10, 31, 18, 60]]),
        # ... not even through a third box that joins one of them
        (
            [(10, 0, 18, 8), (10, 10, 18, 30), (10, 31, 18, 60)],
            [1, 0, 0],
            [[10, 0, 18, 30], [10, 31, 18, 60]],
        ),
        ([], [], []),
    ],
)
def test_merge_stacked(boxes, parents, expected) -> None:
    b = np.asarray(boxes, np.int32).reshape(-1, 4)
    areas = np.full(len(b), 10, np.int32)
    out, out_areas = merge_stacked(b, areas, np.asarray(parents, np.int32), 0.3)
    assert sorted(out.tolist()) == expected
    assert int(out_areas.sum()) == 10 * len(b)  # pixel counts are summed, none lost


def _walker_behind_sign(frame: np.ndarray) -> np.ndarray:
    """A walker (bright, 10x50 px) with a background-coloured sign hiding a 4 px band of the
    torso: the mask shows two stacked fragments."""
    out = frame.copy()
    out[100:150, 150:160] = 250
    out[118:122, 150:160] = frame[118:122, 150:160]
    return out


@pytest.mark.parametrize(("merge_gap", "expected"), [(0.0, 2), (0.3, 1)])
def test_detector_merges_fragments_of_one_walker(merge_gap, expected) -> None:
    bg = _background()
    det = MotionDetector(MotionConfig(close_kernel=1, merge_gap=merge_gap))
    _warm(det, bg)
    res = det.detect(_walker_behind_sign(bg))
    assert len(res.boxes) == expected
    if expected == 1:
        assert np.abs(res.boxes[0] - [150, 100, 160, 150]).max() <= 1


def test_merge_keeps_small_fragment_only_when_it_joins() -> None:
    """With merging on, a head-sized fragment below min_area survives by joining its body,
    while an isolated speck of the same size is still dropped."""
    bg = _background()
    # min_area 0.002 x 320 x 240 = 154 px: the 8x8 head alone is too small.
    det = MotionDetector(MotionConfig(close_kernel=1, merge_gap=0.3, day=MotionProfile(min_area=0.002)))
    _warm(det, bg)
    frame = bg.copy()
    frame[60:68, 152:160] = 250  # head
    frame[70:120, 150:162] = 250  # body
    frame[200:208, 40:48] = 250  # lone speck, same size as the head
    res = det.detect(frame)
    assert len(res.boxes) == 1
    assert np.abs(res.boxes[0] - [150, 60, 162, 120]).max() <= 1


def test_resolution_change_restarts_background() -> None:
    det = MotionDetector()
    _warm(det, _background())
    small = _background()[:120, :160]
    first = det.detect(small)  # new size: learns again instead of failing
    assert first.mask.shape == (120, 160) and len(first.boxes) == 0


def _light_pool(bg: np.ndarray, gain: float) -> np.ndarray:
    """Headlight pool: a smooth multiplicative brightening centred at (200, 120)."""
    yy, xx = np.mgrid[0:H, 0:W]
    pool = 1 + (gain - 1) * np.exp(-(((xx - 200) / 40.0) ** 2 + ((yy - 120) / 30.0) ** 2))
    return np.clip(bg * pool, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("light_pools", "with_object", "expected"),
    [
        (False, False, [[152, 82, 254, 160]]),  # the pool itself fires without the option
        (True, False, []),
        (True, True, [[60, 100, 90, 140]]),  # a dark-clothed walker elsewhere is still seen
    ],
)
def test_headlight_pool(light_pools, with_object, expected) -> None:
    bg = _background()
    det = MotionDetector(MotionConfig(light_pools=light_pools))
    _warm(det, bg)
    frame = _light_pool(bg, 1.6)
    if with_object:
        frame[100:140, 60:90] = np.random.default_rng(9).integers(15, 40, (40, 30))
    boxes = det.detect(frame).boxes
    assert len(boxes) == len(expected)
    if expected:
        assert np.abs(boxes - np.array(expected)).max() <= 2
