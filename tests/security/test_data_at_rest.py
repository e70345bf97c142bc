"""Threat: someone with a shell account on the server, or with a copy of the data (a backup, a disk
handed to IT). Before the fix the database and exports were world-readable (0644) and the key that
decrypts camera passwords sat beside the database it protects, in the folder the README said to
back up. Now every folder is 0700 and every file 0600, the keys live in their own folder (backed
up apart), and a site made by an older version has its keys moved there once, at start-up.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.peers import processes
from tests.security import service as svc
from vms.paths import DataPaths
from vms.secrets import CredentialVault

CAMERA_PASSWORD = "Cam-At-Rest-42"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _others_can_read(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _export(service: svc.Service) -> None:
    first, _ = svc.wait_footage(service, 6)
    client = service.client("investigator")
    job = client.post("/api/exports", json={"camera_ids": [svc.CAMERA], "start": (first + timedelta(seconds=1)).isoformat(),
                                            "end": (first + timedelta(seconds=5)).isoformat(),
                                            "case_number": "HS-REST-1", "reason": "kiểm tra quyền tệp"})
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 60
    while (status := client.get(f"/api/exports/{job.json()['id']}").json()["status"]) != "done":
        assert status != "failed" and time.monotonic() < deadline
        time.sleep(0.5)


def test_data_is_for_the_service_user_only_and_keys_live_apart(service: svc.Service) -> None:
    _export(service)
    paths = DataPaths(service.data)
    for folder in (paths.state, paths.recordings, paths.exports, paths.keys, paths.media):
        assert _mode(folder) == 0o700, folder
    for key in (paths.secret_key, paths.signing_key):
        assert _mode(key) == 0o600, key
    written = [p for p in service.data.rglob("*") if p.is_file()]
    assert any(p.suffix == ".mp4" for p in written) and any(p.name == "vms.db" for p in written)
    assert any(p.is_relative_to(paths.exports) for p in written)
    leaky = [str(p) for p in written if _others_can_read(p)]
    assert leaky == []  # before the fix: vms.db, segments and exports were 0644
    # What a backup of state/ + recordings/ carries: no key, so a stolen backup decrypts nothing.
    keys = {paths.secret_key.read_bytes().strip(), b"PRIVATE KEY"}
    for file in written:
        if not file.is_relative_to(paths.keys) and file.stat().st_size < 50_000_000:
            content = file.read_bytes()
            assert not any(key in content for key in keys), file


def _serve(base: Path, extra: dict | None = None) -> tuple[subprocess.Popen, int]:
    config = base / "site.yaml"
    import yaml

    config.write_text(yaml.safe_dump(svc.site_config(extra), allow_unicode=True), encoding="utf-8")
    port = processes.free_port()
    process = processes.start(
        [sys.executable, "-m", "vms.cli", "serve", "--config", str(config), "--data", str(base / "data"),
         "--port", str(port), "--duration", "300"],
        base / f"service-{port}.log", env={"VMS_ADMIN_PASSWORD": svc.ADMIN_PASSWORD}, cwd=svc.ROOT)
    return process, port


def _old_layout(base: Path) -> tuple[DataPaths, bytes, str]:
    """A site as an older version left it: keys in state/ beside the database, everything 0644/0755,
    one camera whose password is encrypted with that secret.key. Returns its paths, the key, and
    the evidence key fingerprint before the upgrade."""
    running = svc.start(base)
    try:
        admin = running.client("admin")
        created = admin.post("/api/cameras", json={"id": "cua-hang", "name": "Cửa hàng", "enabled": False, "source": {
            "type": "rtsp", "url": "rtsp://127.0.0.1:9/main", "username": "chu", "password": CAMERA_PASSWORD}})
        assert created.status_code == 201, created.text
        fingerprint = admin.get("/api/evidence/key").json()["fingerprint"]
    finally:
        svc.stop(running)
    paths = DataPaths(base / "data")
    for old, new in paths.legacy_keys().items():
        shutil.move(new, old)
        old.chmod(0o644)
    paths.keys.rmdir()
    for folder in (paths.state, paths.recordings):
        folder.chmod(0o755)
    paths.database.chmod(0o644)
    return paths, (paths.state / "secret.key").read_bytes(), fingerprint


def _stored_password(paths: DataPaths, key_path: Path) -> str:
    from vms.db.models import Camera

    engine = create_engine(f"sqlite:///{paths.database}")
    try:
        with Session(engine) as session:
            token = session.scalars(select(Camera.password_encrypted).where(Camera.id == "cua-hang")).one()
    finally:
        engine.dispose()
    return CredentialVault(key_path).decrypt(token)


@pytest.mark.slow
def test_an_old_site_has_its_keys_moved_once_and_keeps_working(tmp_path: Path) -> None:
    paths, secret, fingerprint = _old_layout(tmp_path)
    process, port = _serve(tmp_path)
    try:
        processes.wait_healthy(f"http://127.0.0.1:{port}", process, 60)
        client = svc.Service(base=tmp_path, port=port).client("admin")
        assert client.get("/api/evidence/key").json()["fingerprint"] == fingerprint  # same signing key
    finally:
        processes.stop(process, timeout_s=20)
    assert not (paths.state / "secret.key").exists() and not (paths.state / "signing_key.pem").exists()
    assert paths.secret_key.read_bytes() == secret
    assert _mode(paths.keys) == 0o700 and _mode(paths.secret_key) == 0o600 and _mode(paths.signing_key) == 0o600
    assert _mode(paths.state) == 0o700 and _mode(paths.database) == 0o600
    assert _stored_password(paths, paths.secret_key) == CAMERA_PASSWORD  # the moved key still decrypts


def test_two_different_keys_for_one_site_stop_the_start_and_nothing_is_deleted(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    paths = DataPaths(tmp_path / "data")
    paths.state.mkdir(parents=True)
    paths.keys.mkdir()
    old, new = paths.state / "secret.key", paths.secret_key
    old.write_bytes(Fernet.generate_key())
    new.write_bytes(Fernet.generate_key())
    before = {old: old.read_bytes(), new: new.read_bytes()}
    config = tmp_path / "site.yaml"
    config.write_text("cameras: []\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "vms.cli", "serve", "--config", str(config), "--data",
                             str(paths.root), "--port", str(processes.free_port()), "--duration", "5"],
                            capture_output=True, text=True, timeout=120, cwd=svc.ROOT,
                            env={**os.environ, "VMS_ADMIN_PASSWORD": svc.ADMIN_PASSWORD})
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(old) in result.stderr and str(new) in result.stderr and "different keys" in result.stderr
    assert {path: path.read_bytes() for path in before} == before


def test_keys_can_live_in_a_folder_of_their_own_choosing(tmp_path: Path) -> None:
    """`keys_dir` (e.g. a separately mounted or backed-up volume): the legacy keys move there."""
    from vms.config import parse_config
    from vms.service import Site, data_paths

    legacy = DataPaths(tmp_path / "data")
    legacy.state.mkdir(parents=True)
    CredentialVault(legacy.state / "secret.key")  # an old site's key
    secret = (legacy.state / "secret.key").read_bytes()
    elsewhere = tmp_path / "vault"
    config = parse_config({"keys_dir": str(elsewhere), "cameras": []})
    site = Site(config, data_paths(tmp_path / "data", config))
    try:
        assert site.paths.secret_key == elsewhere / "secret.key"
        assert (elsewhere / "secret.key").read_bytes() == secret and not (legacy.state / "secret.key").exists()
        assert _mode(elsewhere) == 0o700 and _mode(elsewhere / "secret.key") == 0o600
        assert not (tmp_path / "data" / "keys").exists() or not any((tmp_path / "data" / "keys").iterdir())
    finally:
        site.engine.dispose()
        site.exporter.shutdown()
