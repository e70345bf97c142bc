"""Tests for detectors.looks: the model runs when something is unexplained, confident tracks coast."""

from __future__ import annotations

import numpy as np

from detectors.frame import Frame
from detectors.looks import LookConfig
from detectors.pipeline import DetectionPipeline, PipelineConfig
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
