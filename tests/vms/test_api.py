"""The HTTP API: login, lockout, no camera password leaves, playback, snapshot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import av
import io
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from vms.api.app import create_app
from vms.db.models import AuditEntry, Camera
from vms.service import Site
from tests.vms.conftest import ADMIN_PASSWORD

def test_health_needs_no_login(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": True}


# Login required on every other route, and the role matrix: tests/vms/test_access.py.


def test_login_me_logout(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    assert client.get("/api/auth/me").json()["role"] == "admin"
    bearer = {"Authorization": f"Bearer {response.json()['token']}"}
    assert TestClient(client.app).get("/api/cameras", headers=bearer).status_code == 200
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_lockout_after_five_failures_in_30_seconds(client: TestClient) -> None:
    codes = [client.post("/api/auth/login", json={"username": "admin", "password": "wrong"}).status_code
             for _ in range(5)]
    assert codes == [401, 401, 401, 401, 423]
    # Locked: even the right password is refused for five minutes.
    right = client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert right.status_code == 423


def test_camera_password_never_returned_and_encrypted_at_rest(admin: TestClient, site: Site) -> None:
    body = admin.get("/api/cameras").text
    assert "CamPass-99" not in body
    cameras = {c["id"]: c for c in admin.get("/api/cameras").json()}
    assert cameras["cam1"]["has_credentials"] is True and cameras["cam1"]["username"] == "viewer"
    with site.session_factory() as session:
        stored = session.get(Camera, "cam1")
    assert stored is not None and stored.password_encrypted and "CamPass-99" not in stored.password_encrypted
    assert site.vault.decrypt(stored.password_encrypted) == "CamPass-99"


def test_passwords_are_hashed_with_argon2(site: Site) -> None:
    from vms.db.models import User

    with site.session_factory() as session:
        user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("$argon2id$") and ADMIN_PASSWORD not in user.password_hash


def _range_of_recording(client: TestClient) -> tuple[datetime, datetime]:
    now = datetime.now(timezone.utc)
    segments = client.get("/api/recordings", params={"camera_id": "cam1", "start": (now - timedelta(hours=1)).isoformat(),
                                                      "end": (now + timedelta(hours=1)).isoformat()}).json()
    assert len(segments) == 3
    return datetime.fromisoformat(segments[0]["start"]), datetime.fromisoformat(segments[-1]["end"])


def test_playback_serves_a_seekable_mp4_and_audits(recorded_site: Site) -> None:
    with TestClient(create_app(recorded_site.app_context())) as client:
        client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        first, last = _range_of_recording(client)
        params = {"start": (first + timedelta(seconds=1.5)).isoformat(), "end": (first + timedelta(seconds=4.5)).isoformat()}
        full = client.get("/api/cameras/cam1/playback.mp4", params=params)
        assert full.status_code == 200 and full.headers["content-type"] == "video/mp4"
        partial = client.get("/api/cameras/cam1/playback.mp4", params=params, headers={"Range": "bytes=100-199"})
        assert partial.status_code == 206 and partial.content == full.content[100:200]
        with av.open(io.BytesIO(full.content)) as container:
            frames = sum(1 for _ in container.decode(video=0))
        # The clip spans the whole segments the range touches (0-2, 2-4, 4-6 s; the cache key is
        # those segments), 6 s at 15 fps; X-Clip-Start lets the player seek to 1.5 s.
        assert 88 <= frames <= 90
        assert abs(float(full.headers["X-Clip-Start"]) - first.timestamp()) < 0.1
        empty = client.get("/api/cameras/cam1/playback.mp4", params={"start": (last + timedelta(hours=1)).isoformat(),
                                                                    "end": (last + timedelta(hours=2)).isoformat()})
        assert empty.status_code == 404
    with recorded_site.session_factory() as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("playback") == 1  # the range request was part of the same viewing
    assert actions[0] == "login"


def test_snapshot_is_a_jpeg_of_the_latest_footage(recorded_site: Site) -> None:
    with TestClient(create_app(recorded_site.app_context())) as client:
        client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        response = client.get("/api/cameras/cam1/snapshot.jpg")
        assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"
        assert client.get("/api/cameras/cam2/snapshot.jpg").status_code == 404  # nothing recorded yet


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2026-01-01T00:00:00", "end": "2026-01-01T00:01:00"}, 422),  # no time zone
        ({"start": "2026-01-01T00:01:00Z", "end": "2026-01-01T00:00:00Z"}, 422),  # reversed
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T03:00:00Z"}, 422),  # too long
    ],
)
def test_playback_rejects_bad_ranges(admin: TestClient, params: dict[str, str], code: int) -> None:
    assert admin.get("/api/cameras/cam1/playback.mp4", params=params).status_code == code


def test_web_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'lang="vi"' in page.text
    assert client.get("/static/app.js").status_code == 200


def test_playback_reports_the_clip_wall_clock_bounds(recorded_site: Site) -> None:
    with TestClient(create_app(recorded_site.app_context())) as client:
        client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        first, _ = _range_of_recording(client)
        params = {"start": (first + timedelta(seconds=1.5)).isoformat(), "end": (first + timedelta(seconds=4.5)).isoformat()}
        for _ in range(2):  # cut once, then served from the cache with the same bounds
            response = client.get("/api/cameras/cam1/playback.mp4", params=params)
            # The clip spans the segments the range touches: from the first one's start to the last one's end.
            assert float(response.headers["x-clip-start"]) == pytest.approx(first.timestamp(), abs=0.01)
            assert float(response.headers["x-clip-end"]) == pytest.approx(first.timestamp() + 6.0, abs=0.07)


def test_live_view_is_audited_once_per_viewing(recorded_site: Site) -> None:
    with TestClient(create_app(recorded_site.app_context())) as client:
        client.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        for _ in range(3):  # a camera wall refreshing
            assert client.get("/api/cameras/cam1/snapshot.jpg").status_code == 200
    with recorded_site.session_factory() as session:
        views = session.scalars(select(AuditEntry).where(AuditEntry.action == "live_view")).all()
    assert [v.target for v in views] == ["cam1"]


def test_rules_are_configured_per_camera_through_the_api(admin: TestClient, site: Site) -> None:
    from vms.cameras import worker_specs

    zone = {"type": "intrusion", "name": "kho", "polygon": [[10, 10], [200, 10], [200, 150], [10, 150]],
            "classes": ["person"], "schedule": "22:00-05:00"}
    created = admin.post("/api/cameras", json={"id": "kho-xa", "name": "Kho xã", "source": {"type": "sim"},
                                               "detection": {"rules": [zone]}})
    assert created.status_code == 201, created.text
    assert created.json()["detection"]["rules"][0]["schedule"] == "22:00-05:00"
    line = {"type": "line_crossing", "name": "cong", "line": [[0, 100], [300, 100]]}
    patched = admin.patch("/api/cameras/kho-xa", json={"detection": {"rules": [zone, line], "post_roll_s": 8}})
    assert patched.status_code == 200, patched.text
    bad = admin.patch("/api/cameras/kho-xa", json={"detection": {"rules": [{"type": "intrusion", "name": "x"}]}})
    assert bad.status_code == 422 and "polygon" in bad.text
    with site.session_factory() as session:
        specs = {s.camera_id: s for s in worker_specs(session, site.vault, site.paths, site.database_url,
                                                       site.config.recording)}
    analysis = specs["kho-xa"].analysis
    assert analysis is not None and analysis.post_roll_s == 8
    assert [rule.name for rule in analysis.rules.rules] == ["kho", "cong"]
    # The config file's camera keeps its defaults (no rules given there).
    assert specs["cam2"].analysis is not None and specs["cam2"].analysis.detector_name == "simulated"



def test_rule_geometry_must_lie_on_the_cameras_picture(admin: TestClient, site: Site) -> None:
    """Main-stream px: the scene's size before the camera connected, then the size it reports."""
    from vms.db.models import CameraStatus

    off = {"type": "intrusion", "name": "ngoai", "polygon": [[10, 10], [700, 10], [200, 150]]}
    created = admin.post("/api/cameras", json={"id": "ben-do", "name": "Bến đò", "source": {"type": "sim"},
                                               "detection": {"rules": [off]}})
    assert created.status_code == 422, created.text
    error = created.json()["detail"]
    assert error["code"] == "rule.outside_frame"
    assert error["params"] == {"rule": "ngoai", "x": 700.0, "y": 10.0, "width": 640, "height": 360,
                               "field": "detection.rules.0.polygon"}
    on = {"type": "line_crossing", "name": "vach", "line": [[0, 0], [640, 360]]}  # the edges are on the picture
    assert admin.post("/api/cameras", json={"id": "ben-do", "name": "Bến đò", "source": {"type": "sim"},
                                            "detection": {"rules": [on]}}).status_code == 201
    wide = {"type": "line_crossing", "name": "vach", "line": [[0, 700], [1900, 700]]}
    refused = admin.patch("/api/cameras/ben-do", json={"detection": {"rules": [wide]}})
    assert refused.status_code == 422 and refused.json()["detail"]["params"]["field"] == "detection.rules.0.line"
    with site.session_factory() as session, session.begin():  # the camera now reports a 1080p main stream
        session.merge(CameraStatus(camera_id="ben-do", width=1920, height=1080))
    assert admin.patch("/api/cameras/ben-do", json={"detection": {"rules": [wide]}}).status_code == 200
    # Changing other fields never re-checks (nor breaks on) the stored rules.
    assert admin.patch("/api/cameras/ben-do", json={"location": "Bờ sông"}).status_code == 200

ANALYSIS = {
    "file": "/evidence/nop-tu-dan.mp4", "detector": "ssd_tflite", "started_at": None,
    "events": [
        {"type": "hit_and_run", "start": 12.5, "end": 18.0, "severity": "alarm", "zone": None,
         "rule": "hit_and_run", "evidence": {"contact_ts": 12.9},
         "objects": [{"track_id": 3, "role": "vehicle", "class": "car", "colour": "white", "direction": "E",
                      "speed_kmh": 41.0},
                     {"track_id": 5, "role": "victim", "class": "motorbike", "colour": "red", "direction": "W",
                      "speed_kmh": None}]},
        {"type": "line_crossing", "start": 40.0, "end": None, "objects": []},
    ],
}


def test_import_analysis_through_the_api(admin: TestClient) -> None:
    missing = admin.post("/api/events/import", json={"camera_id": "cam1", "analysis": ANALYSIS})
    assert missing.status_code == 422 and "start time" in missing.text
    body = {"camera_id": "cam1", "started_at": "2026-11-20T21:14:00+07:00", "analysis": ANALYSIS}
    response = admin.post("/api/events/import", json=body)
    assert response.status_code == 201 and response.json()["imported"] == 2
    found = admin.get("/api/events", params={"type": "hit_and_run", "object_class": "motorbike",
                                             "start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z"})
    items = found.json()["items"]
    assert [(e["start"], e["detector"]) for e in items] == [("2026-11-20T14:14:12.500000Z", "imported:ssd_tflite")]  # marked as imported
    assert {o["class_name"] for o in items[0]["objects"]} == {"car", "motorbike"}
    assert admin.post("/api/events/import", json={**body, "camera_id": "nope"}).status_code == 404


def test_import_analysis_from_the_command_line(site: Site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys
    from pathlib import Path

    analysis = tmp_path / "analysis.json"
    analysis.write_text(json.dumps({**ANALYSIS, "started_at": "2026-11-20T14:14:00+00:00"}), encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "vms.cli", "import-analysis", str(analysis), "--camera", "cam2",
                             "--data", str(site.paths.root)], capture_output=True, text=True, cwd=root, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "imported 2 events for camera cam2" in result.stdout
    from vms.db.models import Event

    with site.session_factory() as session:
        events = session.scalars(select(Event).where(Event.camera_id == "cam2").order_by(Event.start)).all()
    assert [(e.type, e.start.isoformat()) for e in events] == [
        ("hit_and_run", "2026-11-20T14:14:12.500000+00:00"), ("line_crossing", "2026-11-20T14:14:40+00:00")]


def test_snapshot_prefers_a_fresh_live_frame(admin: TestClient, site: Site) -> None:
    import os
    import time

    live = site.paths.live_frames / "cam2.jpg"
    live.parent.mkdir(parents=True, exist_ok=True)
    live.write_bytes(b"\xff\xd8 live frame")
    assert admin.get("/api/cameras/cam2/snapshot.jpg").content == b"\xff\xd8 live frame"
    stale = time.time() - 60
    os.utime(live, (stale, stale))  # analysis stopped: never show an old frame as live
    assert admin.get("/api/cameras/cam2/snapshot.jpg").status_code == 404  # and nothing is recorded yet
