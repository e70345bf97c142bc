"""Rendering: deterministic by seed, lighting modes and tamper effects change the pixels as scripted."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest

from camera_drivers.simulator import SceneRenderer, load_scene
from tests.camera_drivers.simulator.conftest import tiny_scene

TIMES = (0.0, 1.3, 4.2, 7.7)


def _digest(renderer: SceneRenderer) -> str:
    h = hashlib.sha256()
    for t in TIMES:
        h.update(renderer.frame_at(t).tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("scene", ["street_day", "street_night", "junction_day", "hit_and_run_demo"])
def test_same_seed_same_frames(scene: str) -> None:
    script = load_scene(scene)
    assert _digest(SceneRenderer(script)) == _digest(SceneRenderer(load_scene(scene)))


@pytest.mark.parametrize("scene", ["street_day", "street_night"])
def test_other_seed_other_frames(scene: str) -> None:
    script = load_scene(scene)
    other = script.model_copy(update={"seed": script.seed + 1})
    assert _digest(SceneRenderer(script)) != _digest(SceneRenderer(other))


def test_frame_shape_and_type(tiny) -> None:
    frame = SceneRenderer(tiny).frame_at(2.0)
    assert (frame.shape, frame.dtype) == ((180, 320, 3), np.uint8)


def test_actor_pixels_inside_its_box() -> None:
    """The red car is drawn inside its ground-truth box and nowhere else."""
    renderer = SceneRenderer(load_scene(tiny_scene(actors=[tiny_scene()["actors"][0]], incidents=[])))
    empty = SceneRenderer(load_scene(tiny_scene(actors=[], incidents=[])))
    diff = cv2.absdiff(renderer.frame_at(5.0), empty.frame_at(5.0)).max(axis=2) > 0
    assert renderer.objects_at(5.0).xyxy[0].tolist() == [84.5, 85.0, 115.5, 100.0]
    ys, xs = np.nonzero(diff)
    assert len(xs) > 200
    # pixel i covers [i, i + 1): all drawn pixels lie in [floor(x0), x1) x [floor(y0), y1)
    assert (xs.min(), ys.min()) == (84, 85)
    assert (xs.max(), ys.max()) == (115, 99)


def test_night_is_dark_and_ir_is_grey() -> None:
    night = load_scene(tiny_scene(lighting={"time_of_day": "night", "ir_switch_s": 5, "depth_scale": 0}))
    day = load_scene(tiny_scene())
    n, d = SceneRenderer(night), SceneRenderer(day)
    assert n.frame_at(2.0).mean() < 0.5 * d.frame_at(2.0).mean()
    ir = n.frame_at(6.0).astype(int)
    assert np.abs(ir[:, :, 0] - ir[:, :, 1]).max() <= 2 * 5 * 0.3 * 4  # grey up to per-channel noise
    assert n.mode_at(4.9) == "night" and n.mode_at(5.0) == "ir"


@pytest.mark.parametrize("tamper, check", [
    ({"type": "blackout"}, lambda f, ref: f.max() == 0),
    ({"type": "cover", "strength": 1.0}, lambda f, ref: f.std() < 10 and f.mean() < 50),
    ({"type": "defocus"}, lambda f, ref: cv2.Laplacian(f, cv2.CV_32F).var() < 0.3 * cv2.Laplacian(ref, cv2.CV_32F).var()),
    ({"type": "moved", "shift_px": [40, 24]}, lambda f, ref: np.array_equal(f[24:, 40:], ref[:-24, :-40])),
])
def test_tamper_effects(tamper: dict, check) -> None:
    script = load_scene(tiny_scene(tamper=[{**tamper, "start_s": 3, "end_s": 4}]))
    renderer = SceneRenderer(script)
    plain = SceneRenderer(load_scene(tiny_scene()))
    frame, ref = renderer.frame_at(3.5), plain.frame_at(3.5)
    assert check(frame, ref)
    assert np.array_equal(renderer.frame_at(4.0), plain.frame_at(4.0))  # effect ends on time
