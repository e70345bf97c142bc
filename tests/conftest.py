"""Shared fixtures: real peers (RTSP server, PostgreSQL), databases on both engines, test data.

A missing peer skips its tests on a developer machine but fails them under CI (CI=true), so a
broken install step can never turn into a silently green run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.peers.postgres import PostgresServer, postgres_available
from tests.peers.rtsp import RtspServer, rtsp_server_available

# The ONVIF lab fixture (network namespaces, emulators) is shared by driver and service tests.
pytest_plugins = ["tests.peers.onvif_lab", "tests.peers.leftovers"]


def require(missing: str | None) -> None:
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"test peer unavailable under CI: {missing}")
    pytest.skip(missing)


@pytest.fixture(scope="session")
def peer_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("peer-logs")


@pytest.fixture
def rtsp_servers(peer_logs: Path) -> Iterator[Callable[..., RtspServer]]:
    """Factory for GStreamer RTSP servers on loopback; all are stopped by PID afterwards."""
    require(rtsp_server_available())
    started: list[RtspServer] = []

    def make(**kwargs: object) -> RtspServer:
        server = RtspServer(log_dir=peer_logs, **kwargs).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    require(postgres_available())
    # Not under pytest's tmp: that is private to root, and the server runs as user postgres.
    base = Path(tempfile.mkdtemp(prefix="vms-pg-"))
    base.chmod(0o755)
    server = PostgresServer(base / "server").start()
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine the service supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vms.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Third-party footage with ground truth (VMS_TEST_DATA; CI points it at ../shared/data)."""
    value = os.environ.get("VMS_TEST_DATA")
    if not value or not Path(value).is_dir():
        require("VMS_TEST_DATA not set to the shared footage folder")
    return Path(value)  # type: ignore[arg-type]
