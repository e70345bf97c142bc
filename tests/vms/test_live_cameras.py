"""Cameras added, changed or removed through the API start, restart or stop their worker at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vms.conftest import ADMIN_PASSWORD, login
from vms.api.app import create_app
from vms.config import parse_config
from vms.paths import DataPaths
from vms.service import Site


@pytest.mark.slow
def test_api_camera_changes_reach_the_supervisor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMS_ADMIN_PASSWORD", ADMIN_PASSWORD)
    site = Site(parse_config({"cameras": []}), DataPaths(tmp_path / "data"))
    site.prepare()
    site.start_background()
    try:
        assert site.supervisor is not None and site.supervisor.worker_pids() == {}
        admin = login(create_app(site.app_context()), "admin")
        body = {"id": "sim1", "name": "Sim", "source": {"type": "sim", "scene": "street_day", "seed": 1}}
        assert admin.post("/api/cameras", json=body).status_code == 201
        first = site.supervisor.worker_pids()["sim1"]
        assert first is not None
        admin.patch("/api/cameras/sim1", json={"name": "Sim renamed"})  # not part of the worker's spec
        assert site.supervisor.worker_pids()["sim1"] == first
        admin.patch("/api/cameras/sim1", json={"source": {"type": "sim", "scene": "street_day", "seed": 2}})
        second = site.supervisor.worker_pids()["sim1"]
        assert second is not None and second != first
        assert admin.delete("/api/cameras/sim1").status_code == 204
        assert site.supervisor.worker_pids() == {}
    finally:
        site.stop_background()
        site.engine.dispose()
