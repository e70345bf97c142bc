"""detectors/night.py: IR (monochrome) frames get an enhanced model view, and a weak IR detection
counts as confident only where its box moves. Colour frames pass through untouched."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from detectors.frame import Frame
from detectors.night import NightConfig, NightLogic, is_monochrome, moving_share, stretch_levels
from detectors.objects import ObjectDetector
from detectors.pipeline import DetectionPipeline, PipelineConfig
from detectors.types import ClassId, Detections


def _grey_bgr(level: int = 60, shape: tuple[int, int] = (120, 160)) -> np.ndarray:
    rng = np.random.default_rng(0)
    grey = np.clip(rng.normal(level, 12, shape), 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def test_monochrome_is_told_from_colour() -> None:
    assert is_monochrome(_grey_bgr())
    colour = _grey_bgr()
    colour[:, :, 2] = np.clip(colour[:, :, 2].astype(int) + 30, 0, 255)  # a warm cast: colour camera
    assert not is_monochrome(colour)


def test_stretch_maps_the_percentiles_to_the_full_range() -> None:
    grey = np.tile(np.arange(40, 140, dtype=np.uint8), (100, 1))  # levels 40..139, evenly
    out = stretch_levels(grey, (0.0, 100.0))
    assert int(out.min()) == 0 and int(out.max()) == 255
    flat = np.full((50, 50), 7, np.uint8)  # a covered lens: nothing to stretch, left alone
    assert stretch_levels(flat, (1.0, 99.0)) is flat


def test_the_model_sees_an_enhanced_ir_frame_and_the_same_colour_frame() -> None:
    logic = NightLogic()
    dark = _grey_bgr(40)
    frame = Frame("cam", 1.0, dark[:, :, 0], bgr_source=lambda: dark)
    view = logic.view(frame)
    assert view.monochrome and view.frame is not frame
    shown = view.frame.bgr()
    assert shown.shape == dark.shape
    assert np.percentile(shown, 99) - np.percentile(shown, 1) > 1.5 * (np.percentile(dark, 99) - np.percentile(dark, 1))
    assert frame.bgr() is dark  # the camera's own picture is unchanged for motion/tracking/colour
    colour = dark.copy()
    colour[:, :, 0] = 200
    cframe = Frame("cam", 1.0, colour[:, :, 1], bgr_source=lambda: colour)
    assert logic.view(cframe).frame is cframe and not logic.view(cframe).monochrome
    assert NightLogic(NightConfig(enhance=False)).view(frame).frame is frame
    assert NightLogic(NightConfig(enabled=False)).view(frame).monochrome is False


def test_moving_share_reads_the_mask_at_its_own_resolution() -> None:
    mask = np.zeros((60, 80), np.uint8)  # work resolution: half the 160x120 frame
    mask[10:20, 10:30] = 255
    boxes = np.array([[20, 20, 60, 40], [100, 80, 140, 110], [20, 20, 100, 40]], np.float32)
    share = moving_share(boxes, mask, (160, 120))
    assert share.tolist() == pytest.approx([1.0, 0.0, 0.5])


@pytest.mark.parametrize(
    ("monochrome", "score", "moving", "expected"),
    [
        (True, 0.32, True, 0.5),  # weak, IR, its box moves: confirmed
        (True, 0.32, False, 0.32),  # weak and still (a sign, a parked car): nothing
        (True, 0.25, True, 0.25),  # below confirm_min_score: nothing
        (True, 0.70, True, 0.70),  # already confident: unchanged
        (False, 0.32, True, 0.32),  # a colour frame: never
    ],
)
def test_weak_ir_detection_confirmed_only_by_motion(monochrome, score, moving, expected) -> None:
    from detectors.night import NightView

    frame = Frame("cam", 1.0, np.zeros((120, 160), np.uint8))
    mask = np.zeros((120, 160), np.uint8)
    if moving:
        mask[20:60, 20:80] = 255
    dets = Detections(np.array([[20, 20, 80, 60]], np.float32), np.array([score]), np.array([int(ClassId.CAR)]))
    out = NightLogic().confirm(NightView(monochrome, frame), dets, mask, (160, 120))
    assert float(out.confidence[0]) == pytest.approx(expected)


class WeakCarDetector(ObjectDetector):
    """Reports every bright blob as a car at 0.35: a detector half-blind at night."""

    name = "weak"

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        out = []
        for img in images:
            ys, xs = np.nonzero(img[:, :, 1] > 150)
            if len(xs) < 20:
                out.append(Detections.empty())
                continue
            box = [[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]]
            out.append(Detections(np.array(box, np.float32), np.array([0.35]), np.array([int(ClassId.CAR)])))
        return out


def _ir_scene(i: int) -> np.ndarray:
    """320x240 dark IR road; a lit 30x20 car drives right from frame 5, 8 px per frame."""
    y = np.full((240, 320), 50, np.uint8)
    y[::7, :] = 70  # some texture so the levels have a spread
    if i >= 5:
        x = 40 + 8 * (i - 5)
        y[100:120, x : x + 30] = 200
    return y


def test_pipeline_tracks_a_weakly_scored_moving_ir_car_and_not_a_still_one() -> None:
    moving = DetectionPipeline(PipelineConfig(), detector=WeakCarDetector())
    tracked = [len(moving.step(Frame("cam", 100.0 + i / 10, _ir_scene(i))).tracks) for i in range(25)]
    assert max(tracked[8:25]) == 1  # the tracker's new-track threshold (0.45) is reached by motion
    off = DetectionPipeline(PipelineConfig.model_validate({"night": {"enabled": False}}), detector=WeakCarDetector())
    assert all(not len(off.step(Frame("cam", 100.0 + i / 10, _ir_scene(i))).tracks) for i in range(25))
