"""Evidence export and verification through the CLI: an intact package verifies; one changed byte
in any file, an extra or missing file, or another site's key is caught and the file named."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from vms.cli import main
from vms.db.models import AuditEntry, Segment
from vms.service import Site

MANIFEST_KEYS = [
    "cameras",
    "case_number",
    "chain",
    "created",
    "exporter",
    "files",
    "format",
    "reason",
    "requested",
    "signature",
    "site",
    "timezone",
]


@pytest.fixture
def package(recorded_site: Site, tmp_path: Path) -> Path:
    with recorded_site.session_factory() as session:
        first = session.scalars(select(Segment).order_by(Segment.start)).first()
    assert first is not None
    out = tmp_path / "evidence"
    start, end = first.start + timedelta(seconds=1.5), first.start + timedelta(seconds=4.5)
    code = main(
        [
            "export",
            "--data",
            str(recorded_site.paths.root),
            "--camera",
            "cam1",
            "--from",
            start.isoformat(),
            "--to",
            end.isoformat(),
            "--out",
            str(out),
            "--case",
            "HS-2026/17",
            "--reason",
            "tai nạn",
        ]
    )
    assert code == 0
    return out


def test_package_contents_and_manifest(package: Path, recorded_site: Site) -> None:
    names = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    video = [n for n in names if n.startswith("video/")]
    meta = ["README.txt", "SHA256SUMS", "manifest.json", "manifest.sig", "site_public_key.pem"]
    assert names == sorted([*meta, *video])
    assert len(video) == 1 and video[0].startswith("video/cam1_")
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest) == MANIFEST_KEYS
    assert (manifest["case_number"], manifest["reason"]) == ("HS-2026/17", "tai nạn")
    assert manifest["exporter"].startswith("cli:")
    assert manifest["requested"]["start"]["local"].endswith("+07:00")
    assert manifest["requested"]["start"]["utc"].endswith("Z")
    camera = manifest["cameras"][0]
    assert [s["path"].split("/")[0] for s in camera["source_segments"]] == ["cam1", "cam1", "cam1"]
    # The clip starts at the keyframe before the requested start (1 s), ends before the requested end.
    actual = datetime.fromisoformat(camera["actual"]["start"]["utc"])
    requested = datetime.fromisoformat(manifest["requested"]["start"]["utc"])
    assert timedelta(0) <= requested - actual <= timedelta(seconds=1)
    with av.open(str(package / video[0])) as container:
        assert container.streams.video[0].codec_context.name == "h264"  # remuxed, not re-encoded
    with recorded_site.session_factory() as session:
        held = {s.hold_reason for s in session.scalars(select(Segment).where(Segment.on_hold))}
        actions = [a.action for a in session.scalars(select(AuditEntry))]
    assert held == {"HS-2026/17"} and "export_create" in actions


def test_intact_package_verifies(
    package: Path, recorded_site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(package), "--data", str(recorded_site.paths.root)]) == 0
    assert capsys.readouterr().out.strip() == "OK"


@pytest.mark.parametrize(
    "target", ["manifest.json", "manifest.sig", "site_public_key.pem", "SHA256SUMS", "README.txt", "video"]
)
@pytest.mark.parametrize("where", [0.0, 0.5, 0.999])
def test_one_changed_byte_is_named(
    package: Path, capsys: pytest.CaptureFixture[str], target: str, where: float
) -> None:
    path = next((package / "video").iterdir()) if target == "video" else package / target
    data = bytearray(path.read_bytes())
    index = min(int(len(data) * where), len(data) - 1)
    data[index] = (data[index] + 1) % 256 if chr(data[index]) not in "\n=" else ord("A")
    path.write_bytes(bytes(data))
    assert main(["verify", str(package)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED ") and path.relative_to(package).as_posix() in out.splitlines()[0]


@pytest.mark.parametrize(("change", "named"), [("extra", "notes.txt"), ("missing", "video/")])
def test_extra_or_missing_files_are_named(
    package: Path, capsys: pytest.CaptureFixture[str], change: str, named: str
) -> None:
    if change == "extra":
        (package / "notes.txt").write_text("x")
    else:
        next((package / "video").iterdir()).unlink()
    assert main(["verify", str(package)]) == 1
    assert named in capsys.readouterr().out


def test_package_from_another_site_fails_with_data(
    package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other-site"
    from vms.evidence import load_or_create_signing_key
    from vms.paths import DataPaths

    load_or_create_signing_key(DataPaths(other).signing_key)
    assert main(["verify", str(package)]) == 3  # intact on its own, but UNPINNED
    assert main(["verify", str(package), "--data", str(other)]) == 1
    assert "site_public_key.pem" in capsys.readouterr().out.splitlines()[-1]


def test_signing_key_is_private(package: Path, recorded_site: Site) -> None:
    assert recorded_site.paths.signing_key.stat().st_mode & 0o777 == 0o600


def test_export_of_an_empty_range_fails(
    recorded_site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "export",
            "--data",
            str(recorded_site.paths.root),
            "--camera",
            "cam1",
            "--from",
            "2020-01-01T00:00:00Z",
            "--to",
            "2020-01-01T00:10:00Z",
            "--out",
            str(tmp_path / "none"),
        ]
    )
    assert code == 1 and "no recorded footage" in capsys.readouterr().err


def test_copied_package_still_verifies(package: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(package, copy)
    fingerprint = json.loads((package / "manifest.json").read_bytes())["signature"]["public_key_fingerprint"]
    assert main(["verify", str(copy), "--fingerprint", fingerprint]) == 0


@pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("sha256sum") is None, reason="needs openssl and sha256sum"
)
def test_standard_tools_verify_the_package(package: Path, tmp_path: Path) -> None:
    """The README's commands: a court expert can check the package without this software."""
    import base64
    import subprocess

    sums = subprocess.run(
        ["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=package, capture_output=True, timeout=60
    )
    assert sums.returncode == 0, sums.stdout
    signature = tmp_path / "manifest.sig.bin"
    signature.write_bytes(base64.b64decode((package / "manifest.sig").read_bytes()))
    command = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "site_public_key.pem",
        "-rawin",
        "-in",
        "manifest.json",
        "-sigfile",
        str(signature),
    ]
    checked = subprocess.run(command, cwd=package, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and "Verified Successfully" in checked.stdout
