"""Tiny hand-written scenes shared by the simulator tests."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from camera_drivers.simulator import SceneScript, load_scene


def tiny_scene(**overrides: Any) -> dict[str, Any]:
    """A 320x180 scene, no depth scaling (so box sizes are literal), three scripted actors."""
    base: dict[str, Any] = {
        "name": "tiny", "width": 320, "height": 180, "fps": 10, "gop": 10, "seed": 3, "duration_s": 10,
        "lighting": {"depth_scale": 0.0},
        "layout": {"roads": [{"id": "main", "center": 90, "lanes_per_direction": 1, "lane_width": 20}],
                   "buildings": False, "trees": 0, "lamps": 0},
        "actors": [
            {"id": "car1", "class": "car", "color": "red", "waypoints": [[0, 0, 100], [10, 200, 100]]},
            {"id": "walker", "class": "person", "color": "blue", "waypoints": [[0, 50, 150], [10, 150, 150]],
             "behaviours": [{"at_s": 4, "action": "fall"}]},
            {"id": "bike", "class": "motorbike", "color": "black", "waypoints": [[0, 300, 60], [10, 100, 60]],
             "behaviours": [{"at_s": 2, "action": "stop"}, {"at_s": 4, "action": "resume"},
                            {"at_s": 7, "action": "vanish"}]},
        ],
        "incidents": [{"id": "fall1", "type": "collision", "start_s": 4, "end_s": 6, "actors": ["walker"]}],
    }
    base.update(overrides)
    return base


@pytest.fixture
def tiny() -> SceneScript:
    return load_scene(tiny_scene())


@pytest.fixture(autouse=True)
def no_thread_left():
    """Every test must leave no simulator producer thread running."""
    yield
    left = [t.name for t in threading.enumerate() if t.name.startswith("sim-")]
    assert left == []
