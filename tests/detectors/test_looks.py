"""Tests for detectors.looks: the model runs when something is unexplained, confident tracks coast."""

from __future__ import annotations

import numpy as np

from detectors.frame import Frame
from detectors.looks import LookConfig
from detectors.pipeline import DetectionPipeline, PipelineConfig
from detectors.types import Detections
from tests.detectors.test_pipeline import BrightBlobDetector


def _slow_scene(t: float, cars: list[tuple[float, float]]) -> np.ndarray:
    """320x240 grey scene; each car (x at t=0, speed px/s) is a bright 30x20 box on row 100 + 40 k."""
    y = np.full((240, 320), 80, np.uint8)
    for k, (x0, speed) in enumerate(cars):
        x = round(x0 + speed * t)
        y[100 + 40 * k: 120 + 40 * k, x: x + 30] = 240
    return y


def _run(fps: float, seconds: float, cars_at, config: PipelineConfig | None = None):  # type: ignore[no-untyped-def]
    pipe = DetectionPipeline(config or PipelineConfig(), detector=BrightBlobDetector())
    steps = []
    for i in range(round(fps * seconds)):
        t = i / fps
        steps.append((t, pipe.step(Frame("cam1", 1000.0 + t, _slow_scene(t, cars_at(t))))))
    return pipe, steps


def test_a_confident_slow_track_coasts_between_low_rate_looks() -> None:
    pipe, steps = _run(10.0, 6.0, lambda t: [(40.0, 10.0)] if t >= 1.0 else [])
    later = [(t, r) for t, r in steps if t >= 2.0]  # the track is confirmed by then
    assert {r.look for _, r in later} <= {"coast", "track_look", "full_look"}
    runs = sum(len(r.regions) > 0 for _, r in later)
    # 40 frames in 4 s; a look every 0.4 s (+ the full looks at 2 s and 4 s): ~10 runs, not 40.
    assert 9 <= runs <= 13
    ids = {tuple(r.tracks.tracker_id.tolist()) for _, r in later}
    assert ids == {(1,)}  # one track on every frame, coasted or detected
    for t, r in later:
        truth_x1 = round(40.0 + 10.0 * t)
        assert abs(float(r.tracks.xyxy[0, 0]) - truth_x1) <= 2.5  # the filter's prediction follows the car
        assert bool(r.tracks.data["detected"][0]) == (len(r.regions) > 0)


def test_new_motion_next_to_a_coasting_track_is_looked_at_at_once() -> None:
    second_from = 3.05
    pipe, steps = _run(10.0, 4.0, lambda t: [(40.0, 10.0)] + ([(200.0, -10.0)] if t >= second_from else []))
    first = next(r for t, r in steps if t >= second_from)
    assert first.look == "new_motion" and len(first.regions) == 1
    # It is then tracked like the first car.
    assert len(steps[-1][1].tracks) == 2


def test_a_fast_track_is_looked_at_on_every_frame() -> None:
    pipe, steps = _run(10.0, 3.0, lambda t: [(10.0, 80.0)] if t >= 0.5 else [])
    later = [r for t, r in steps if 1.0 <= t < 3.0]
    assert all(len(r.regions) == 1 for r in later)
    assert {r.look for r in later} <= {"fast_track", "full_look"}


def test_look_rate_is_timed_in_seconds_not_frames() -> None:
    runs = {}
    for fps in (5.0, 10.0, 25.0):
        pipe, steps = _run(fps, 8.0, lambda t: [(40.0, 10.0)] if t >= 1.0 else [])
        runs[fps] = sum(len(r.regions) > 0 for t, r in steps if t >= 3.0)
    assert max(runs.values()) - min(runs.values()) <= 2, runs  # ~14 runs in 5 s at any detect fps


def test_a_still_object_is_found_by_the_periodic_full_look() -> None:
    # In the picture from the start: no motion ever, so only a full look can find it.
    still = lambda t: [(100.0, 0.0)]  # noqa: E731
    _, steps = _run(5.0, 5.0, still)
    assert any(len(r.tracks) for _, r in steps)
    full = [t for t, r in steps if r.look == "full_look"]
    assert full == [0.0, 2.0, 4.0]
    # Between full looks the standing car is a confident track: looked at the low rate, not on every frame.
    assert sum(len(r.regions) > 0 for _, r in steps) <= 15  # of 25 frames (0.4 s = every other frame at 5 fps)
    _, steps = _run(5.0, 5.0, still, PipelineConfig(looks=LookConfig(full_look_s=0)))
    assert not any(len(r.tracks) for _, r in steps) and not any(len(r.regions) for _, r in steps)


def test_looks_off_runs_on_every_frame_with_motion_or_tracks() -> None:
    config = PipelineConfig(looks=LookConfig(track_look_s=0, full_look_s=0))
    _, steps = _run(10.0, 4.0, lambda t: [(40.0, 10.0)] if t >= 1.0 else [], config)
    assert all(len(r.regions) == 1 for t, r in steps if t >= 1.0)
    assert not any(len(r.regions) for t, r in steps if t < 1.0)


class SometimesBlind(BrightBlobDetector):
    """Finds nothing while `blind` (motion the model cannot see: a top-down car, a shadow)."""

    def __init__(self) -> None:
        super().__init__()
        self.blind = True

    def detect(self, images):  # type: ignore[no-untyped-def]
        found = super().detect(images)
        return [Detections.empty() for _ in found] if self.blind else found


def _unseen_scene(t: float, blobs: list[tuple[float, float, int, int]]) -> np.ndarray:
    """320x240 grey scene; each blob (x at t=0, speed px/s, row, size) is a bright square."""
    y = np.full((240, 320), 80, np.uint8)
    for x0, speed, row, size in blobs:
        x = round(x0 + speed * t)
        y[row: row + size, x: x + size] = 240
    return y


def _run_unseen(seconds: float, blobs_at, fps: float = 5.0):  # type: ignore[no-untyped-def]
    pipe = DetectionPipeline(PipelineConfig(), detector=SometimesBlind())
    steps = []
    for i in range(round(fps * seconds)):
        t = i / fps
        steps.append((t, pipe.step(Frame("cam1", 1000.0 + t, _unseen_scene(t, blobs_at(t))))))
    return pipe, steps


def _sway(t: float) -> float:
    """x offset of clutter that moves in place (a swaying branch): +-4 px at 1.25 Hz."""
    return 4.0 * float(np.sin(2 * np.pi * 1.25 * t))


def test_clutter_the_model_keeps_finding_empty_is_looked_at_less_and_less() -> None:
    # Something that moves in place (a swaying branch, a flickering sign) the model never finds,
    # from 1 s to 12 s.
    pipe, steps = _run_unseen(12.0, lambda t: [(100.0 + _sway(t), 0.0, 100, 30)] if t >= 1.0 else [])
    moving = [(t, r) for t, r in steps if t >= 1.4]
    assert all(len(r.motion.boxes) for _, r in moving)
    runs = [t for t, r in moving if len(r.regions)]
    # Without the back-off (a look every 0.4 s, the old rule): ~27 runs in these 10.6 s; with it the
    # gaps double to the full look's 2 s, so ~7-9, and the clutter is never out of sight for longer.
    assert 5 <= len(runs) <= 10, runs
    gaps = np.diff([moving[0][0]] + runs)
    assert gaps.max() <= 2.0 + 1e-6
    assert {r.look for _, r in moving} <= {"backoff", "empty_look", "full_look", "new_motion"}


def test_a_fast_thing_the_model_misses_is_followed_and_looked_at_every_track_look_s() -> None:
    # A 30 px thing at 100 px/s: 20 px per analysed frame at 5 fps, so its motion boxes hardly
    # overlap from frame to frame (IoU 0.2). It is followed as one region (the old rule saw new
    # motion on every frame), and, since it travels, looked at every 0.4 s (no doubling: it may
    # come nearer or into the light).
    _, steps = _run_unseen(4.0, lambda t: [(-80.0, 100.0, 100, 30)] if t >= 1.0 else [])
    passing = [(t, r) for t, r in steps if 1.4 <= t < 3.6 and len(r.motion.boxes)]
    runs = [t for t, r in passing if len(r.regions)]
    assert len(passing) >= 9 and len(runs) <= len(passing) // 2 + 2, (len(passing), runs)
    assert np.diff(runs).max() <= 0.4 + 1e-6


def test_a_new_or_growing_region_ends_the_back_off() -> None:
    # Clutter in place from 1 s; at 6 s a second thing appears elsewhere; at 9 s the first grows.
    def blobs(t: float) -> list[tuple[float, float, int, int]]:
        out = [(100.0 + _sway(t), 0.0, 100, 60 if t >= 9.0 else 30)] if t >= 1.0 else []
        return out + ([(250.0 + _sway(t), 0.0, 30, 30)] if t >= 6.0 else [])

    _, steps = _run_unseen(10.0, blobs)
    first_new = next(r for t, r in steps if t >= 6.0 - 1e-9)
    assert first_new.look in ("new_motion", "full_look") and len(first_new.regions)
    grown = next(r for t, r in steps if t >= 9.0 - 1e-9)
    assert grown.look in ("new_motion", "full_look") and len(grown.regions)
    # Before each change the first region was backed off (no run on most frames).
    before = [r for t, r in steps if 3.0 <= t < 6.0]
    assert sum(len(r.regions) > 0 for r in before) <= 3


def test_a_detection_inside_an_empty_region_ends_its_back_off() -> None:
    # The unseen thing turns bright (a car the model now recognises) at 5 s: tracked from then on.
    def blobs_at(t: float) -> list[tuple[float, float, int, int]]:
        return [(20.0, 10.0, 100, 30)] if t >= 1.0 else []

    detector = SometimesBlind()
    pipe = DetectionPipeline(PipelineConfig(), detector=detector)
    tracked_from = None
    for i in range(50):
        t = i / 5.0
        detector.blind = t < 5.0
        r = pipe.step(Frame("cam1", 1000.0 + t, _unseen_scene(t, blobs_at(t))))
        if len(r.tracks) and tracked_from is None:
            tracked_from = t
    assert tracked_from is not None and 5.0 <= tracked_from <= 5.0 + 2.0 + 0.4 + 1e-6
    assert len(pipe.looks.empty) == 0


def test_a_moving_thing_that_grows_is_looked_at_on_every_frame() -> None:
    # A vehicle coming nearer that the model cannot see yet (at night, far): it moves and grows
    # by 3 px a frame. Each frame it is more than 10 % larger than at the last look: always looked at.
    def blob(t: float) -> list[tuple[float, float, int, int]]:
        return [(-80.0, 100.0, 60, 30 + round(15 * (t - 1.0)))] if t >= 1.0 else []

    _, steps = _run_unseen(2.6, blob)
    approaching = [r for t, r in steps if 1.6 <= t < 2.6]
    assert approaching and all(len(r.regions) for r in approaching), [r.look for r in approaching]
