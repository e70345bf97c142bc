"""Scene script loading: shipped scenes validate, bad input names the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from camera_drivers.simulator import SceneError, load_scene
from tests.camera_drivers.simulator.conftest import tiny_scene


@pytest.mark.parametrize("name", ["street_day", "street_night", "junction_day", "hit_and_run_demo"])
def test_shipped_scenes_load(name: str) -> None:
    script = load_scene(name)
    assert script.name == name
    assert (script.width, script.height, script.fps) == (640, 360, 15)


BAD = [
    ({"fsp": 15}, "fsp: Extra inputs are not permitted"),
    ({"fps": 0}, "fps: Input should be greater than or equal to 1"),
    ({"lighting": {"time_of_day": "noon"}}, "lighting.time_of_day:"),
    ({"actors": [{"id": "a", "class": "tank", "waypoints": [[0, 0, 0], [1, 1, 1]]}]}, "actors.0.class:"),
    ({"actors": [{"id": "a", "class": "car", "color": "teal", "waypoints": [[0, 0, 0], [1, 1, 1]]}]},
     "actors.0.color: unknown colour 'teal'"),
    ({"actors": [{"id": "a", "class": "car", "waypoints": [[0, 0, 0], [1, 1, 1]],
                  "behaviours": [{"at_s": 1, "action": "explode"}]}]}, "actors.0.behaviours.0.action:"),
    ({"actors": [{"id": "a", "class": "car", "waypoints": [[0, 0, 0], [1, 1, 1]],
                  "behaviours": [{"at_s": 1, "action": "fall"}]}]}, "actors.0: a car cannot fall"),
    ({"actors": [{"id": "a", "class": "car", "path": [[0, 0], [1, 1]]}]}, "speed_px_s is required with path"),
    ({"actors": [{"id": "a", "class": "car", "lane": {"direction": "north"}, "speed_px_s": 9}]},
     "actors.0.lane.direction: north does not run along a horizontal road"),
    ({"incidents": [{"id": "i", "type": "hit_and_run", "start_s": 1, "end_s": 2, "actors": ["ghost"]}]},
     "incidents.0.actors: unknown actor ids ['ghost']"),
    ({"tamper": [{"type": "defocus", "start_s": 5, "end_s": 5}]}, "tamper.0: end_s must be > start_s"),
]


@pytest.mark.parametrize("patch, message", BAD)
def test_bad_dict_names_the_key(patch: dict, message: str) -> None:
    with pytest.raises(SceneError) as err:
        load_scene({**tiny_scene(actors=[], incidents=[]), **patch})
    assert message in str(err.value)


def test_yaml_file_error_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("fps: 15\nlayout:\n  lampz: 3\n")
    with pytest.raises(SceneError, match=r"bad\.yaml: layout\.lampz: Extra inputs are not permitted"):
        load_scene(path)


def test_unknown_scene_lists_known_names() -> None:
    with pytest.raises(SceneError, match=r"unknown scene 'nowhere'; known: .*street_day"):
        load_scene("nowhere")


def test_yaml_path_loads_with_file_stem_as_name(tmp_path: Path) -> None:
    path = tmp_path / "my_cam.yaml"
    path.write_text("seed: 5\nduration_s: 12\n")
    script = load_scene(path)
    assert (script.name, script.seed, script.duration_s) == ("my_cam", 5, 12.0)
