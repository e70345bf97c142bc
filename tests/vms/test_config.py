"""Configuration: good files load; bad ones are refused with the bad key named and why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vms.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
RTSP_CAMERA = {"id": "cam1", "name": "Cổng chợ", "source": {"type": "rtsp", "url": "rtsp://192.0.2.1/live"}}


@pytest.mark.parametrize("name", ["demo.yaml", "example.yaml"])
def test_shipped_configs_are_valid(name: str) -> None:
    assert load_config(ROOT / "configs" / name).cameras


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"cameras": [{**RTSP_CAMERA, "id": "Cam 1"}]}, "cameras.0.id: String should match pattern"),
        ({"cameras": [{**RTSP_CAMERA, "source": {"type": "rtsp", "url": "http://x"}}]},
         "cameras.0.source.rtsp.url: must start with rtsp://"),
        ({"cameras": [{**RTSP_CAMERA, "source": {"type": "rtsp", "url": "rtsp://u:p@h/x"}}]},
         "must not embed credentials"),
        ({"cameras": [{**RTSP_CAMERA, "source": {"type": "webcam"}}]}, "cameras.0.source: Input tag 'webcam'"),
        ({"cameras": [RTSP_CAMERA, RTSP_CAMERA]}, "duplicate camera id 'cam1'"),
        ({"recording": {"segment_seconds": 1}}, "recording.segment_seconds: Input should be greater than or equal to 2"),
        ({"storage": {"quota_gb": -5}}, "storage.quota_gb: Input should be greater than 0"),
        ({"server": {"port": 70000}}, "server.port: Input should be less than or equal to 65535"),
        ({"camreas": []}, "camreas: Extra inputs are not permitted"),
        ({"cameras": [{"id": "x", "source": {"type": "sim"}}]}, "cameras.0.name: Field required"),
        ([1, 2], "the top level must be a mapping"),
    ],
)
def test_bad_config_names_the_key(data: object, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, origin="site.yaml")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("site.yaml: ")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("cameras: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_cli_exits_non_zero_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("recording:\n  segment_seconds: 0\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "vms.cli", "serve", "--config", str(bad), "--data", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert "recording.segment_seconds" in result.stderr
    assert "Traceback" not in result.stderr


def test_detect_fps_reaches_the_frame_decoder(tmp_path: Path) -> None:
    from vms.cameras import analysis_spec
    from vms.config import DetectionSettings
    from vms.db.models import Camera
    from vms.paths import DataPaths

    camera = Camera(id="cam1", source_kind="rtsp", source_location="rtsp://192.0.2.1/live")
    paths = DataPaths(tmp_path)
    spec = analysis_spec(camera, None, paths)
    assert spec is not None and DetectionSettings().detect_fps == 5.0
    assert spec.detect_fps == 5.0 and spec.frame_options.detect_fps == 5.0
    spec = analysis_spec(camera, DetectionSettings(detect_fps=2.5, every_n_frames=2), paths)
    assert spec is not None and (spec.frame_options.detect_fps, spec.frame_options.every) == (2.5, 2)
    data = {"cameras": [{**RTSP_CAMERA, "detection": {"detect_fps": 0}}]}
    with pytest.raises(ConfigError, match=r"cameras\.0\.detection\.detect_fps"):
        parse_config(data)


def test_the_onvif_probe_offers_the_cameras_detect_fps() -> None:
    from vms.api.routes.onvif import ProbeOut
    from vms.cameras import camera_detect_fps
    from vms.config import CameraConfig
    from vms.db.models import Camera

    assert ProbeOut(profile={}, registered_camera_id=None).detect_fps == 5.0  # not registered yet: the default
    gate = Camera(id="gate", source_kind="rtsp", source_location="rtsp://192.0.2.1/live")
    assert camera_detect_fps(gate) == 5.0
    configured = [CameraConfig.model_validate({**RTSP_CAMERA, "id": "gate", "detection": {"detect_fps": 2}})]
    assert camera_detect_fps(gate, configured) == 2.0  # from the config file
    gate.detection = {"detect_fps": 8}
    assert camera_detect_fps(gate, configured) == 8.0  # set through the API: the row wins
