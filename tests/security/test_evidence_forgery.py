"""Threat: forged evidence. Someone between the commune and the court (or an insider) alters an
exported package and re-signs it. A package carries its own public key, so a signature alone proves
nothing: only a key pinned out of band (the fingerprint on the paper handover form and the periodic
report) and the chain of exports in the site's append-only audit log do.

Attack: download a real export over HTTP, replace the video, edit the manifest, re-sign with a NEW
Ed25519 key, rewrite site_public_key.pem and SHA256SUMS. Then check it as a court would.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.security import service as svc
from vms.paths import DataPaths
from vms.cli import main


def _export(service: svc.Service, case: str, tmp_path: Path) -> tuple[Path, int]:
    first, _ = svc.wait_footage(service, 8)
    client = service.client("investigator")
    body = {"camera_ids": [svc.CAMERA], "start": (first + timedelta(seconds=1)).isoformat(),
            "end": (first + timedelta(seconds=6)).isoformat(), "case_number": case, "reason": "kiểm thử"}
    job = client.post("/api/exports", json=body)
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/exports/{job_id}").json()["status"] != "done":
        assert time.monotonic() < deadline and client.get(f"/api/exports/{job_id}").json()["status"] != "failed"
        time.sleep(0.3)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/exports/{job_id}/download").content))
    archive.extractall(tmp_path / case)
    return tmp_path / case / str(job_id), job_id


def _resign(folder: Path, key: Ed25519PrivateKey) -> None:
    """What a forger does: new video bytes, edited manifest, new signature, new key, new sums."""
    video = next((folder / "video").iterdir())
    video.write_bytes(video.read_bytes()[::-1])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["reason"] = "sửa đổi"
    manifest["files"][video.relative_to(folder).as_posix()]["sha256"] = hashlib.sha256(video.read_bytes()).hexdigest()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    manifest["signature"]["public_key_sha256"] = hashlib.sha256(pem).hexdigest()
    data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    (folder / "manifest.json").write_bytes(data)
    (folder / "manifest.sig").write_bytes(base64.b64encode(key.sign(data)) + b"\n")
    (folder / "site_public_key.pem").write_bytes(pem)
    names = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"]
    (folder / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in sorted(names)))


@pytest.fixture(scope="module")
def package(service: svc.Service, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return _export(service, "HS-2026-01", tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def fingerprint(service: svc.Service) -> str:
    return service.client("viewer").get("/api/evidence/key").json()["fingerprint"]


@pytest.fixture
def forged(package: tuple[Path, int], tmp_path: Path) -> Path:
    folder = tmp_path / "forged"
    shutil.copytree(package[0], folder)
    _resign(folder, Ed25519PrivateKey.generate())
    return folder


def test_genuine_package_is_ok_only_against_the_pinned_key(package, fingerprint, capsys) -> None:
    folder, _ = package
    assert main(["verify", str(folder)]) == 3  # intact, but nothing says who signed it
    assert capsys.readouterr().out.startswith("UNPINNED signed with key " + fingerprint)
    assert main(["verify", str(folder), "--fingerprint", fingerprint.replace(" ", "").lower()]) == 0
    assert capsys.readouterr().out.strip() == "OK"


def test_resigned_forgery_is_never_ok(forged: Path, fingerprint: str, capsys) -> None:
    assert main(["verify", str(forged)]) == 3  # before the fix: "OK", exit 0
    assert "UNPINNED" in capsys.readouterr().out
    assert main(["verify", str(forged), "--fingerprint", fingerprint]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED site_public_key.pem: signed with key") and fingerprint in out


def test_resigned_forgery_fails_against_the_site_public_key(service, forged: Path, tmp_path: Path, capsys) -> None:
    pem = tmp_path / "site.pem"
    pem.write_text(service.client("viewer").get("/api/evidence/key").json()["public_key_pem"])
    assert main(["verify", str(forged), "--pubkey", str(pem)]) == 1
    assert "FAILED site_public_key.pem" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_standard_tools_show_the_forgery_by_fingerprint(package, forged: Path, fingerprint: str) -> None:
    """The package README's first step: the fingerprint openssl computes vs the paper form."""
    def openssl_fingerprint(folder: Path) -> str:
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in", "site_public_key.pem", "-outform", "DER"],
                             cwd=folder, capture_output=True, check=True, timeout=30).stdout
        return hashlib.sha256(der).hexdigest().upper()

    assert "openssl pkey -pubin -in site_public_key.pem -outform DER | sha256sum" in (forged / "README.txt").read_text()
    assert openssl_fingerprint(package[0]) == fingerprint.replace(" ", "")
    assert openssl_fingerprint(forged) != fingerprint.replace(" ", "")


def test_handover_form_carries_fingerprint_and_manifest_hash(service, package, fingerprint) -> None:
    folder, job_id = package
    form = service.client("investigator").get(f"/api/exports/{job_id}/handover").json()
    assert form["key_fingerprint"] == fingerprint
    assert form["manifest_sha256"] == hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    assert form["case_number"] == "HS-2026-01"


def test_exports_are_chained_and_an_insider_forgery_is_not_in_the_chain(
        service, package, fingerprint, tmp_path: Path, capsys) -> None:
    """Even re-signed with the site's own key (an insider), a replaced package is not in the chain."""
    first, _ = package
    second, job_id = _export(service, "HS-2026-02", tmp_path)
    manifest = json.loads((second / "manifest.json").read_bytes())
    assert manifest["chain"]["previous_manifest_sha256"] is not None
    chain = service.client("investigator").get(f"/api/exports/{job_id}/handover").json()
    assert chain["previous_manifest_sha256"] == manifest["chain"]["previous_manifest_sha256"]
    assert chain["sequence"] == manifest["chain"]["sequence"] >= 2
    site_key = serialization.load_pem_private_key(DataPaths(service.data).signing_key.read_bytes(), None)
    insider = tmp_path / "insider"
    shutil.copytree(second, insider)
    _resign(insider, site_key)  # type: ignore[arg-type]
    assert main(["verify", str(insider), "--fingerprint", fingerprint]) == 0  # the key alone cannot tell
    capsys.readouterr()
    assert main(["verify", str(insider), "--data", str(service.data)]) == 1
    assert "not in this site's chain of exports" in capsys.readouterr().out
    assert main(["verify", str(second), "--data", str(service.data)]) == 0
