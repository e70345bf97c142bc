"""Fixtures for service tests: a prepared site with recorded footage, and a logged-in API client."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from camera_drivers.recorder import SegmentRecorder
from camera_drivers.stream import StreamSession, StreamSource
from vms.api.app import create_app
from vms.config import parse_config
from vms.recordings import add_segment
from vms.service import Site
from vms.paths import DataPaths
from tests.media import make_h264_file

ADMIN_PASSWORD = "Admin-Passw0rd"
SITE_CONFIG = {
    # cam1's documentation address, and loopback for the cameras tests add through the API.
    "sources": {"camera_networks": ["192.0.2.0/24", "127.0.0.0/8"]},
    "cameras": [
        {"id": "cam1", "name": "Cổng chợ", "source": {"type": "rtsp", "url": "rtsp://192.0.2.7/live",
                                                        "username": "viewer", "password": "CamPass-99"}},
        {"id": "cam2", "name": "Ngã ba", "source": {"type": "sim", "scene": "street_day"}},
    ]
}


def record_clip_into(site: Site, camera_id: str, clip: Path, segment_seconds: float = 2.0) -> None:
    """Record a file as if it came from `camera_id`, indexing every segment."""
    root = site.paths.recordings.resolve()

    def index(closed):  # type: ignore[no-untyped-def]
        with site.session_factory.begin() as session:
            add_segment(session, root, closed)

    recorder = SegmentRecorder(camera_id, root, segment_seconds, index)
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False)) as session:
        recorder.start_connection(session.video_stream)
        for timed in session.packets():
            recorder.write(timed)
    recorder.close()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    monkeypatch.setenv("VMS_ADMIN_PASSWORD", ADMIN_PASSWORD)
    site = Site(parse_config(SITE_CONFIG), DataPaths(tmp_path / "data"))
    site.prepare()
    return site


@pytest.fixture
def recorded_site(site: Site, tmp_path: Path) -> Site:
    record_clip_into(site, "cam1", make_h264_file(tmp_path / "clip.mp4", 6.0, fps=15, gop=15))
    return site


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(site.app_context())) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    response = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return client


ROLE_PASSWORD = "Role-Passw0rd"
ROLES = ("admin", "installer", "operator", "investigator", "viewer")


def add_role_users(site: Site, cameras: dict[str, list[str]] | None = None) -> None:
    """One user per role named after it (admin exists); `cameras` restricts some of them."""
    from vms.access import set_user_cameras
    from vms.auth import create_user

    with site.session_factory.begin() as session:
        for role in ROLES[1:]:
            user = create_user(session, role, ROLE_PASSWORD, role)
            set_user_cameras(session, user.id, (cameras or {}).get(role, []))


def login(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    """A fresh client logged in as `username` (admin uses ADMIN_PASSWORD)."""
    client = TestClient(app)
    password = ADMIN_PASSWORD if username == "admin" else ROLE_PASSWORD
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return client
