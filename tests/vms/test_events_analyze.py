"""`vms analyze FILE --json OUT` on a short rendered clip with a scripted blackout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from camera_drivers.simulator.__main__ import main as simulator_main
from detectors.models import ModelMissingError, nanodet_ir
from vms.cli import main

SCENE = {
    "name": "analyze_clip", "width": 320, "height": 180, "fps": 10, "seed": 3, "duration_s": 14,
    "layout": {"roads": [{"id": "main", "axis": "horizontal", "center": 120, "lanes_per_direction": 1,
                          "lane_width": 20}], "sidewalk_width": 16},
    "traffic": {"rate_per_min": 20},
    "tamper": [{"type": "blackout", "start_s": 7, "end_s": 10}],
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("analyze")
    scene = folder / "analyze_clip.yaml"
    scene.write_text(yaml.safe_dump(SCENE), encoding="utf-8")
    out = folder / "clip.mp4"
    assert simulator_main(["preview", str(scene), "--out", str(out), "--seconds", "14"]) in (0, None)
    return out


def test_analyze_writes_events_and_tracks(clip: Path, tmp_path: Path) -> None:
    try:
        nanodet_ir(320)
    except ModelMissingError:
        pytest.skip("NanoDet-g (the default detector) not fetched (python -m detectors.models fetch)")
    out = tmp_path / "result.json"
    assert main(["analyze", str(clip), "--json", str(out), "--no-progress", "--start", "2024-05-01T21:30:00+07:00"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    # The 10 fps clip is analysed at the live detect fps (default 5): every other frame.
    assert report["frames"] == 70 and report["detector"] == "nanodet"
    assert report["started_at"] == "2024-05-01T14:30:00+00:00"
    assert [(e["type"], e["evidence"]["kind"]) for e in report["events"]] == [("tamper", "blackout")]
    event = report["events"][0]
    # It ends once the view has looked normal for restore_s (5 s), i.e. after the clip: at its end.
    assert 7.0 <= event["start"] <= 7.5 and 10.0 <= event["end"] <= 14.0
    assert event["start_time"].startswith("2024-05-01T14:30:07")
    assert isinstance(report["tracks"], list)


def test_analyze_every_frame_with_detect_fps_0(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    assert main(["analyze", str(clip), "--json", str(out), "--no-progress", "--detect-fps", "0",
                 "--detector", "{type: ssd_tflite}"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["frames"] == 140
    assert [(e["type"], e["evidence"]["kind"]) for e in report["events"]] == [("tamper", "blackout")]


@pytest.mark.parametrize(("argv", "message"), [
    (["--every", "0"], "--every"),
    (["--detect-fps", "-1"], "--detect-fps"),
    (["--start", "yesterday"], "--start"),
    (["--detector", "{type: simulated}"], "simulated"),
])
def test_analyze_refuses_bad_options(clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture, argv: list,
                                     message: str) -> None:
    assert main(["analyze", str(clip), "--json", str(tmp_path / "x.json"), "--no-progress", *argv]) == 2
    assert message in capsys.readouterr().err
