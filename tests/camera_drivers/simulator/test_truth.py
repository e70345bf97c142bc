"""Ground truth literal values on a tiny hand-written scene."""

from __future__ import annotations

import numpy as np
import pytest

from camera_drivers.simulator import SceneRenderer, SceneScript, ground_truth_track, incidents, load_scene
from tests.camera_drivers.simulator.conftest import tiny_scene


def _box(script: SceneScript, actor: str, t: float) -> list[float] | None:
    gt = SceneRenderer(script).objects_at(t)
    hits = np.flatnonzero(gt.actor_id == actor)
    return gt.xyxy[hits[0]].tolist() if len(hits) else None


@pytest.mark.parametrize("actor, t, expected", [
    ("car1", 5.0, [84.5, 85.0, 115.5, 100.0]),        # halfway along its waypoints
    ("car1", 0.0, [0.0, 85.0, 15.5, 100.0]),          # half outside the frame: clipped
    ("walker", 2.0, [67.0, 135.0, 73.0, 150.0]),      # upright person 6x15 (12x30 at half width)
    ("walker", 4.25, [84.75, 139.75, 95.25, 150.0]),  # half-way through the fall, stopped at x=90
    ("walker", 6.0, [82.5, 144.5, 97.5, 150.0]),      # lying: wide and low
    ("bike", 1.0, [272.5, 45.0, 287.5, 60.0]),        # moving west at 20 px/s
    ("bike", 3.0, [252.5, 45.0, 267.5, 60.0]),        # stopped at t=2
    ("bike", 5.0, [232.5, 45.0, 247.5, 60.0]),        # resumed at t=4, two seconds behind
    ("bike", 8.0, None),                              # vanished at t=7
    ("car1", 10.5, None),                             # past its last waypoint
])
def test_box_positions(tiny: SceneScript, actor: str, t: float, expected: list[float] | None) -> None:
    box = _box(tiny, actor, t)
    assert box == (pytest.approx(expected, abs=1e-3) if expected else None)


def test_state_flags_and_ids(tiny: SceneScript) -> None:
    gt = SceneRenderer(tiny).objects_at(3.0)
    rows = {a: (int(i), str(c), bool(f), bool(s)) for a, i, c, f, s in
            zip(gt.actor_id, gt.track_id, gt.class_name, gt.fallen, gt.stopped)}
    assert rows == {"car1": (1, "car", False, False), "walker": (2, "person", False, False),
                    "bike": (3, "motorbike", False, True)}
    assert gt.velocity[list(gt.actor_id).index("bike")].tolist() == [0.0, 0.0]
    assert gt.velocity[list(gt.actor_id).index("car1")].tolist() == [20.0, 0.0]
    assert gt.truncated.tolist() == [0.0, 0.0, 0.0]


def test_fall_changes_aspect(tiny: SceneScript) -> None:
    before, after = _box(tiny, "walker", 3.9), _box(tiny, "walker", 5.0)
    aspect = lambda b: (b[2] - b[0]) / (b[3] - b[1])
    assert aspect(before) == pytest.approx(0.4)
    assert aspect(after) == pytest.approx(30 / 11)
    fallen = SceneRenderer(tiny).objects_at(5.0)
    assert fallen.fallen[list(fallen.actor_id).index("walker")]


def test_lane_actor_with_acceleration() -> None:
    script = load_scene(tiny_scene(actors=[{
        "id": "fast", "class": "car", "lane": {"direction": "east"}, "speed_px_s": 40, "start_s": 1,
        "enter_at": 0, "behaviours": [{"at_s": 3, "action": "accelerate", "factor": 2}]}], incidents=[]))
    assert _box(script, "fast", 2.0) == pytest.approx([24.5, 91.0, 55.5, 106.0])
    assert _box(script, "fast", 4.0) == pytest.approx([144.5, 91.0, 175.5, 106.0])


def test_depth_scale_shrinks_far_objects() -> None:
    script = load_scene(tiny_scene(lighting={"depth_scale": 0.5}))
    # walker ground y=150 of 180: scale 1 - 0.5 * (1 - 150/180) = 0.9166...
    assert _box(script, "walker", 2.0) == pytest.approx([67.25, 136.25, 72.75, 150.0])


def test_occlusion_by_nearer_object() -> None:
    script = load_scene(tiny_scene(actors=[
        {"id": "far", "class": "car", "waypoints": [[0, 100, 100], [10, 100, 100]]},
        {"id": "near", "class": "person", "waypoints": [[0, 100, 105], [10, 100, 105]]}], incidents=[]))
    gt = SceneRenderer(script).objects_at(1.0)
    # person box 97..103 x 90..105 covers 6 of 31 columns and rows 90..100 of the car's 85..100.
    assert dict(zip(gt.actor_id.tolist(), gt.occluded.tolist())) == {"far": pytest.approx(60 / 465), "near": 0.0}


@pytest.mark.parametrize("tamper, t, expected_boxes", [
    ({"type": "blackout", "start_s": 1, "end_s": 2}, 1.5, 0),
    ({"type": "cover", "start_s": 1, "end_s": 2, "strength": 0.9}, 1.5, 0),
    ({"type": "defocus", "start_s": 1, "end_s": 2}, 1.5, 3),
    ({"type": "blackout", "start_s": 1, "end_s": 2}, 2.0, 3),
])
def test_blocking_tamper_hides_objects(tamper: dict, t: float, expected_boxes: int) -> None:
    gt = SceneRenderer(load_scene(tiny_scene(tamper=[tamper]))).objects_at(t)
    assert len(gt) == expected_boxes
    assert gt.tamper == ((tamper["type"],) if tamper["start_s"] <= t < tamper["end_s"] else ())


def test_moved_camera_shifts_boxes() -> None:
    script = load_scene(tiny_scene(tamper=[{"type": "moved", "start_s": 0, "end_s": 9, "shift_px": [40, 24]}]))
    assert _box(script, "car1", 5.0) == pytest.approx([124.5, 109.0, 155.5, 124.0])


def test_ground_truth_track_and_incidents(tiny: SceneScript) -> None:
    frames = list(ground_truth_track(tiny, 3.0, 5.0))
    assert [f.frame_index for f in frames][:3] == [30, 31, 32]
    assert len(frames) == 20
    assert next(f.incidents for f in frames if f.incidents) == ("fall1",)
    assert sum(1 for f in frames if f.incidents) == 10  # frames at 4.0 .. 4.9 s (t1 is exclusive)
    script = load_scene(tiny_scene(tamper=[{"type": "defocus", "start_s": 8, "end_s": 9}]))
    assert [(i.id, i.type, i.start_s, i.note) for i in incidents(script)] == [
        ("fall1", "collision", 4.0, ""), ("tamper1", "tamper", 8.0, "defocus")]


def test_records_are_json_friendly(tiny: SceneScript) -> None:
    rec = SceneRenderer(tiny).objects_at(5.0).to_records()
    assert rec[0] == {"track_id": 3, "actor_id": "bike", "class_name": "motorbike",
                      "xyxy": [232.5, 45.0, 247.5, 60.0], "fallen": False, "stopped": False,
                      "occluded": 0.0, "truncated": 0.0}
