"""The scene author's command line: ground-truth dump and snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import yaml

from camera_drivers.simulator.__main__ import main
from tests.camera_drivers.simulator.conftest import tiny_scene


def test_gt_dump_and_snapshot(tmp_path: Path) -> None:
    scene = tmp_path / "tiny.yaml"
    scene.write_text(yaml.safe_dump(tiny_scene()))
    out = tmp_path / "gt.jsonl"
    assert main(["gt", str(scene), "--out", str(out), "--t0", "5", "--t1", "6"]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["incidents"][0]["id"] == "fall1"
    assert [x["frame"] for x in lines[1:]] == list(range(50, 60))
    assert lines[1]["objects"][0]["xyxy"] == [232.5, 45.0, 247.5, 60.0]
    png = tmp_path / "snap.png"
    assert main(["snapshot", str(scene), "--t", "5", "--out", str(png), "--boxes"]) == 0
    assert cv2.imread(str(png)).shape == (180, 320, 3)


def test_unknown_scene_exit_code(tmp_path: Path, capsys) -> None:
    assert main(["snapshot", "no_such_scene", "--out", str(tmp_path / "x.png")]) == 2
    assert "unknown scene 'no_such_scene'" in capsys.readouterr().err
