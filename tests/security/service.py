"""A real VMS service for the security tests: `vms serve` in a subprocess on a loopback port.

The attacks in tests/security/ go through real HTTP to this process (httpx), never through an
in-process test client, so every layer an attacker meets (uvicorn, middleware, FastAPI, the
database, the workers) is the one in production. One account per role; one simulated camera
recording 2 s segments so there is footage to export.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.peers import processes

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Sec-Admin-Passw0rd-7"
ROLE_PASSWORD = "Sec-Role-Passw0rd-7"
ROLES = ("admin", "installer", "operator", "investigator", "viewer")
CAMERA = "cong-cho"


@dataclass
class Service:
    base: Path
    port: int
    process: subprocess.Popen | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{(self.data / 'state' / 'vms.db').resolve()}"

    def client(self, role: str | None = None, **kwargs: Any) -> httpx.Client:
        """An HTTP client, logged in as the user named after `role` when one is given."""
        client = httpx.Client(base_url=self.url, timeout=30, trust_env=False, **kwargs)
        if role is not None:
            password = ADMIN_PASSWORD if role == "admin" else ROLE_PASSWORD
            response = client.post("/api/auth/login", json={"username": role, "password": password})
            assert response.status_code == 200, response.text
        return client


def site_config(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "site_name": "Công an xã Kiểm thử an ninh",
        "recording": {"segment_seconds": 2},
        "storage": {"min_free_gb": 0.1, "check_interval_s": 2},
        # The fake ONVIF devices and listeners are on loopback: allowed explicitly (a module that
        # tests the refusal overrides this through `service_extra`).
        "sources": {"camera_networks": ["127.0.0.0/8"]},
        "cameras": [{"id": CAMERA, "name": "Cổng chợ", "location": "Chợ", "retention_days": 30,
                     "source": {"type": "sim", "scene": "street_day", "seed": 1}, "detection": {"enabled": False}}],
    }
    for key, value in (extra or {}).items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return config


def start(base: Path, extra: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> Service:
    """Start the service, wait until healthy, add one user per role."""
    base.mkdir(parents=True, exist_ok=True)
    service = Service(base=base, port=processes.free_port(), config=site_config(extra))
    config_path = base / "site.yaml"
    config_path.write_text(yaml.safe_dump(service.config, allow_unicode=True), encoding="utf-8")
    service.process = processes.start(
        [sys.executable, "-m", "vms.cli", "serve", "--config", str(config_path), "--data", str(service.data),
         "--port", str(service.port), "--duration", "900"],
        base / "service.log", env={"VMS_ADMIN_PASSWORD": ADMIN_PASSWORD, **(env or {})}, cwd=ROOT,
    )
    try:
        processes.wait_healthy(service.url, service.process, 60)
        _add_users(service)
    except BaseException:
        stop(service)
        raise
    return service


def _add_users(service: Service) -> None:
    from vms.auth import create_user

    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            for role in ROLES[1:]:
                create_user(session, role, ROLE_PASSWORD, role)
    finally:
        engine.dispose()


def wait_footage(service: Service, seconds: float, timeout_s: float = 60.0) -> tuple:
    """(first start, last end) of the camera's indexed footage once it spans `seconds`."""
    from vms.db.models import Segment

    engine = create_engine(service.database_url)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            with Session(engine) as session:
                first, last = session.execute(select(func.min(Segment.start), func.max(Segment.end))
                                              .where(Segment.camera_id == CAMERA)).one()
            if first is not None and (last - first).total_seconds() >= seconds:
                return first, last
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise TimeoutError(f"no {seconds} s of footage within {timeout_s} s")


def stop(service: Service) -> None:
    if service.process is not None:
        processes.stop(service.process, timeout_s=20)


def log_text(service: Service) -> str:
    path = service.base / "service.log"
    return path.read_text(errors="replace") if path.exists() else ""


def environment_without_proxy() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
