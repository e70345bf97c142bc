"""Which stream a camera analyses: config keys, the rows they become, the worker specs built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from vms.cameras import analysed_stream, apply_camera_config, stream_source, sub_stream_source
from vms.config import ConfigError, parse_config
from vms.db.models import Camera
from vms.secrets import CredentialVault


def camera(source: dict, **extra: object) -> dict:
    return {"cameras": [{"id": "c1", "name": "Cổng", "source": source, **extra}]}


@pytest.mark.parametrize(("source", "choice", "expected", "sub_location"), [
    ({"type": "rtsp", "url": "rtsp://10.0.0.5/main", "sub_url": "rtsp://10.0.0.5/sub"}, "auto", "sub",
     "rtsp://10.0.0.5/sub"),
    ({"type": "rtsp", "url": "rtsp://10.0.0.5/main", "sub_url": "rtsp://10.0.0.5/sub"}, "main", "main",
     "rtsp://10.0.0.5/sub"),
    ({"type": "rtsp", "url": "rtsp://10.0.0.5/main"}, "auto", "main", None),
    ({"type": "rtsp", "url": "rtsp://10.0.0.5/main", "sub_url": "rtsp://10.0.0.5/main"}, "auto", "main", None),
    ({"type": "sim", "scene": "street_day"}, "auto", "sub", "street_day"),
    ({"type": "sim", "scene": "street_day", "sub": False}, "auto", "main", None),
], ids=["rtsp-auto", "rtsp-main-chosen", "rtsp-single", "sub-same-as-main", "sim", "sim-single"])
def test_analysed_stream(tmp_path: Path, source: dict, choice: str, expected: str, sub_location: str | None) -> None:
    config = parse_config(camera(source, analysis_stream=choice)).cameras[0]
    row = Camera(id="c1")
    vault = CredentialVault(tmp_path / "key")
    apply_camera_config(row, config, vault)
    assert row.sub_location == sub_location
    assert analysed_stream(row) == expected


def test_sub_source_keeps_the_credentials_and_sim_cameras_share_one_scene(tmp_path: Path) -> None:
    vault = CredentialVault(tmp_path / "key")
    rtsp = parse_config(camera({"type": "rtsp", "url": "rtsp://10.0.0.5/main", "sub_url": "rtsp://10.0.0.5/sub",
                                "username": "admin", "password": "Pw-123456"})).cameras[0]
    row = Camera(id="c1")
    apply_camera_config(row, rtsp, vault)
    sub = sub_stream_source(row, vault)
    assert sub is not None and (sub.location, sub.role, sub.username, sub.password) == (
        "rtsp://10.0.0.5/sub", "sub", "admin", "Pw-123456")
    sim = parse_config(camera({"type": "sim", "scene": "street_day", "seed": 4})).cameras[0]
    row = Camera(id="c1")
    apply_camera_config(row, sim, vault)
    main, sub = stream_source(row, vault), sub_stream_source(row, vault)
    assert sub is not None and (sub.location, sub.seed, sub.role) == ("street_day", 4, "sub")
    assert main.share_key == sub.share_key == "c1"


@pytest.mark.parametrize(("data", "expected"), [
    (camera({"type": "rtsp", "url": "rtsp://10.0.0.5/main"}, analysis_stream="sub"), "analysis_stream: 'sub' needs"),
    (camera({"type": "rtsp", "url": "rtsp://10.0.0.5/main", "sub_url": "http://x/sub"}), "source.rtsp.sub_url"),
    (camera({"type": "rtsp", "url": "rtsp://10.0.0.5/main"}, analysis_stream="best"), "analysis_stream"),
])
def test_bad_stream_settings_name_the_key(data: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_config(data)
