"""Operator and investigator API: event pages, per-camera access, exports end to end, users,
camera management without leaking passwords, and an audit entry for every audited action."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.vms.conftest import ROLE_PASSWORD, add_role_users, login
from vms.api.app import create_app
from vms.db.models import AuditEntry, Event, EventObject, Segment
from vms.evidence import verify_package
from vms.service import Site

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def add_events(site: Site, count: int) -> None:
    with site.session_factory.begin() as session:
        for index in range(count):
            event = Event(
                camera_id=("cam1", "cam2")[index % 2],
                type="intrusion",
                start=T0 + timedelta(minutes=index),
                zone="gate",
                object_classes="person",
                detector="simulated",
                details={"n": index},
            )
            session.add(event)
            session.flush()
            session.add(
                EventObject(
                    event_id=event.id,
                    track_id=index,
                    role="intruder",
                    class_name="person",
                    colour="red",
                    direction="N",
                    speed_kmh=4.5,
                )
            )


def test_event_page_shape_and_pagination(site: Site) -> None:
    add_events(site, 5)
    client = login(create_app(site.app_context()), "admin")
    page = client.get("/api/events", params={"limit": 2}).json()
    assert sorted(page) == ["items", "next_cursor"] and len(page["items"]) == 2
    first = page["items"][0]
    assert first == {
        "id": 5,
        "camera_id": "cam1",
        "camera_name": "Cổng chợ",
        "type": "intrusion",
        "start": "2026-11-01T00:04:00Z",
        "end": None,
        "severity": "info",
        "zone": "gate",
        "detector": "simulated",
        "imported": False,
        "object_classes": ["person"],
        "objects": [
            {
                "track_id": 4,
                "role": "intruder",
                "class_name": "person",
                "colour": "red",
                "direction": "N",
                "speed_kmh": 4.5,
            }
        ],
        "details": {"n": 4},
        "has_snapshot": False,
        "alarm_level": None,  # written directly, never seen by the alarm watcher
        "review_state": None,
        "reviews": [],
    }
    ids = [item["id"] for item in page["items"]]
    while page["next_cursor"]:
        page = client.get("/api/events", params={"limit": 2, "cursor": page["next_cursor"]}).json()
        ids += [item["id"] for item in page["items"]]
    assert ids == [5, 4, 3, 2, 1]
    assert client.get("/api/events", params={"cursor": "garbage"}).status_code == 422
    assert client.get("/api/events", params={"start": "2026-11-01T00:00:00"}).status_code == 422


def test_per_camera_access_hides_other_cameras(recorded_site: Site) -> None:
    add_role_users(recorded_site, cameras={"operator": ["cam2"], "investigator": ["cam2"]})
    add_events(recorded_site, 4)
    app = create_app(recorded_site.app_context())
    operator, investigator = login(app, "operator"), login(app, "investigator")
    assert [c["id"] for c in operator.get("/api/cameras").json()] == ["cam2"]
    assert operator.get("/api/cameras/cam1").status_code == 404
    assert operator.get("/api/cameras/cam1/snapshot.jpg").status_code == 404
    assert {e["camera_id"] for e in operator.get("/api/events").json()["items"]} == {"cam2"}
    assert {e["camera_id"] for e in operator.get("/api/events?camera_id=cam1").json()["items"]} == set()
    assert operator.get("/api/events/1").status_code == 404  # event 1 is on cam1
    assert operator.get("/api/events/2").status_code == 200
    now = datetime.now(timezone.utc)
    window = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(minutes=30)).isoformat(),
    }
    assert operator.get("/api/cameras/cam1/playback.mp4", params=window).status_code == 404
    assert operator.get("/api/recordings", params={"camera_id": "cam1", **window}).status_code == 404
    assert [c["camera_id"] for c in operator.get("/api/timeline", params=window).json()["cameras"]] == [
        "cam2"
    ]
    body = {"camera_ids": ["cam1"], **window, "case_number": "HS-9", "reason": "x"}
    assert investigator.post("/api/exports", json=body).status_code == 404


def wait_for_export(client: TestClient, export_id: int) -> dict:
    for _ in range(200):  # bounded: 20 s
        job = client.get(f"/api/exports/{export_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("export did not finish")


def test_export_job_download_verifies_and_holds(recorded_site: Site, tmp_path: Path) -> None:
    add_role_users(recorded_site)
    with recorded_site.session_factory() as session:
        first = session.scalars(select(Segment).order_by(Segment.start)).first()
    assert first is not None
    app = create_app(recorded_site.app_context())
    investigator, other = login(app, "investigator"), login(app, "admin")
    body = {
        "camera_ids": ["cam1"],
        "start": first.start.isoformat(),
        "end": (first.start + timedelta(seconds=5)).isoformat(),
        "case_number": "HS-7",
        "reason": "trộm xe",
    }
    created = investigator.post("/api/exports", json=body)
    assert created.status_code == 202 and created.json()["status"] == "queued"
    job = wait_for_export(investigator, created.json()["id"])
    assert (job["status"], job["progress"], job["download_url"]) == (
        "done",
        1.0,
        f"/api/exports/{job['id']}/download",
    )
    download = investigator.get(job["download_url"])
    assert download.headers["content-type"] == "application/zip" and len(download.content) == job["bytes"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        archive.extractall(tmp_path / "unzipped")
    assert verify_package(tmp_path / "unzipped" / str(job["id"])).intact
    assert [j["id"] for j in other.get("/api/exports").json()] == [job["id"]]  # admin sees all
    with recorded_site.session_factory() as session:
        held = session.scalars(select(Segment.hold_reason).where(Segment.on_hold)).all()
    assert held == ["HS-7", "HS-7", "HS-7"]


def test_users_password_policy_cameras_and_disable(site: Site) -> None:
    admin = login(create_app(site.app_context()), "admin")
    weak = admin.post("/api/users", json={"username": "an", "password": "password", "role": "operator"})
    assert weak.status_code == 422 and "upper-case" in weak.text
    created = admin.post(
        "/api/users",
        json={
            "username": "an",
            "password": "Str0ng-pass",
            "role": "operator",
            "full_name": "Nguyễn An",
            "cameras": ["cam2"],
        },
    )
    assert created.status_code == 201 and created.json()["cameras"] == ["cam2"]
    assert (
        admin.post(
            "/api/users", json={"username": "an", "password": "Str0ng-pass", "role": "operator"}
        ).status_code
        == 409
    )
    assert (
        admin.post(
            "/api/users",
            json={"username": "bo", "password": "Str0ng-pass", "role": "operator", "cameras": ["nope"]},
        ).status_code
        == 422
    )
    user_id = created.json()["id"]
    client = TestClient(admin.app)
    assert (
        client.post("/api/auth/login", json={"username": "an", "password": "Str0ng-pass"}).status_code == 200
    )
    patched = admin.patch(f"/api/users/{user_id}", json={"active": False, "cameras": []})
    assert (
        patched.status_code == 200 and patched.json()["cameras"] == [] and patched.json()["active"] is False
    )
    assert client.get("/api/auth/me").status_code == 401  # a disabled account's sessions stop working
    me = admin.get("/api/auth/me").json()
    own = next(u for u in admin.get("/api/users").json() if u["username"] == me["username"])
    assert admin.patch(f"/api/users/{own['id']}", json={"role": "viewer"}).status_code == 409


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [("Role-Passw0rd", "New-Passw0rd", 204), ("wrong", "New-Passw0rd", 403), ("Role-Passw0rd", "short", 422)],
)
def test_password_change(site: Site, old: str, new: str, code: int) -> None:
    add_role_users(site)
    client = login(create_app(site.app_context()), "viewer")
    assert (
        client.post("/api/auth/password", json={"old_password": old, "new_password": new}).status_code == code
    )
    works = TestClient(client.app).post("/api/auth/login", json={"username": "viewer", "password": new})
    assert works.status_code == (200 if code == 204 else 401)


def test_camera_crud_keeps_passwords_write_only(site: Site) -> None:
    changes: list[int] = []
    context = site.app_context()
    app = create_app(type(context)(**{**context.__dict__, "cameras_changed": lambda: changes.append(1)}))
    admin = login(app, "admin")
    body = {
        "id": "cam3",
        "name": "Trường học",
        "source": {"type": "rtsp", "url": "rtsp://127.0.0.1:9/x", "username": "u", "password": "Secret-77"},
    }
    created = admin.post("/api/cameras", json=body)
    assert created.status_code == 201 and created.json()["has_credentials"] is True
    assert admin.post("/api/cameras", json=body).status_code == 409
    renamed = admin.patch("/api/cameras/cam3", json={"name": "Trường THCS"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Trường THCS"
    assert admin.patch("/api/cameras/cam3", json={"retention_days": 0}).status_code == 422
    assert admin.delete("/api/cameras/cam3").status_code == 204
    assert admin.get("/api/cameras/cam3").json()["enabled"] is False
    with site.session_factory() as session:
        from vms.db.models import Camera

        stored = session.get(Camera, "cam3")
        audit_text = " ".join(str(a.details) for a in session.scalars(select(AuditEntry)))
    assert stored is not None and site.vault.decrypt(stored.password_encrypted or "") == "Secret-77"
    assert "Secret-77" not in audit_text and "Secret-77" not in admin.get("/api/cameras").text
    assert len(changes) == 3


def test_camera_sub_stream_and_analysed_stream_through_the_api(site: Site) -> None:
    admin = login(create_app(site.app_context()), "admin")
    body = {"id": "cam4", "name": "Chợ", "source": {"type": "rtsp", "url": "rtsp://127.0.0.1:9/main",
                                                       "sub_url": "rtsp://127.0.0.1:9/sub", "username": "u",
                                                       "password": "Secret-88"}}
    created = admin.post("/api/cameras", json=body).json()
    assert (created["sub_location"], created["analysis_stream"]) == ("rtsp://127.0.0.1:9/sub", "auto")
    patched = admin.patch("/api/cameras/cam4", json={"analysis_stream": "main"})
    assert patched.status_code == 200 and patched.json()["analysis_stream"] == "main"
    assert patched.json()["sub_location"] == "rtsp://127.0.0.1:9/sub"  # kept when only the choice changes
    with site.session_factory() as session:
        from vms.db.models import Camera

        stored = session.get(Camera, "cam4")
        assert stored is not None and site.vault.decrypt(stored.password_encrypted or "") == "Secret-88"
    no_sub = admin.patch("/api/cameras/cam4", json={"source": {"type": "rtsp", "url": "rtsp://127.0.0.1:9/main"},
                                                    "analysis_stream": "sub"})
    assert no_sub.status_code == 422 and "camera.no_sub_stream" in no_sub.text
    status = admin.get("/api/cameras/cam4").json()["status"]
    assert status is None or {"analysis_online", "analysis_error", "audio_codec"} <= set(status)


def test_every_audited_action_writes_an_entry(recorded_site: Site) -> None:
    add_role_users(recorded_site)
    add_events(recorded_site, 2)
    app = create_app(recorded_site.app_context())
    assert (
        TestClient(app).post("/api/auth/login", json={"username": "viewer", "password": "x"}).status_code
        == 401
    )
    admin = login(app, "admin")
    now = datetime.now(timezone.utc)
    window = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(minutes=5)).isoformat(),
    }
    admin.get("/api/cameras/cam1/snapshot.jpg")
    admin.get(
        "/api/cameras/cam1/playback.mp4",
        params={"start": window["start"], "end": (now - timedelta(minutes=5)).isoformat()},
    )
    with recorded_site.session_factory() as session:
        first = session.scalars(select(Segment).order_by(Segment.start)).first()
    assert first is not None
    admin.get(
        "/api/cameras/cam1/playback.mp4",
        params={"start": first.start.isoformat(), "end": (first.start + timedelta(seconds=2)).isoformat()},
    )
    admin.get("/api/events", params={"type": "intrusion"})
    admin.get("/api/events/1")
    job = admin.post(
        "/api/exports",
        json={
            "camera_ids": ["cam1"],
            "start": first.start.isoformat(),
            "end": (first.start + timedelta(seconds=2)).isoformat(),
            "case_number": "HS-1",
            "reason": "r",
        },
    ).json()
    admin.get(wait_for_export(admin, job["id"])["download_url"])
    admin.post("/api/cameras", json={"id": "cam9", "name": "C9", "source": {"type": "sim"}})
    admin.patch("/api/cameras/cam9", json={"name": "C9b"})
    admin.delete("/api/cameras/cam9")
    user = admin.post(
        "/api/users", json={"username": "mai", "password": "Mai-12345", "role": "viewer"}
    ).json()
    admin.patch(f"/api/users/{user['id']}", json={"full_name": "Mai"})
    admin.post(
        "/api/auth/password", json={"old_password": "Admin-Passw0rd", "new_password": "Admin-Passw0rd"}
    )
    admin.get("/api/audit.csv")
    admin.get("/api/reports/summary", params=window)
    admin.post("/api/auth/logout")
    page = login(app, "admin").get("/api/audit", params={"limit": 200}).json()
    actions = {item["action"] for item in page["items"]}
    expected = {
        "login",
        "login_failed",
        "logout",
        "live_view",
        "playback",
        "search",
        "event_view",
        "export_create",
        "export_download",
        "camera_create",
        "camera_update",
        "camera_delete",
        "user_create",
        "user_update",
        "password_change",
        "audit_export",
        "report_view",
    }
    assert expected <= actions, expected - actions
    assert all(
        item["client_ip"] == "testclient" for item in page["items"]
        if item["action"] not in ("login_failed", "export_signed")  # export_signed: the background job
    )


def test_audit_csv_has_bom_and_rows(site: Site) -> None:
    admin = login(create_app(site.app_context()), "admin")
    csv_text = admin.get("/api/audit.csv").content.decode("utf-8")
    assert csv_text.startswith("\ufeffid,ts_utc,username,action,target,client_ip,details")
    assert ",admin,login," in csv_text


def test_lockout_also_guards_the_password_change(site: Site) -> None:
    add_role_users(site)
    client = login(create_app(site.app_context()), "viewer")
    codes = [
        client.post(
            "/api/auth/password", json={"old_password": "bad", "new_password": "New-Passw0rd"}
        ).status_code
        for _ in range(5)
    ]
    assert codes == [403] * 5
    right = TestClient(client.app).post(
        "/api/auth/login", json={"username": "viewer", "password": ROLE_PASSWORD}
    )
    assert right.status_code == 423


def test_timeline_and_report_shapes(recorded_site: Site) -> None:
    with recorded_site.session_factory() as session:
        segments = session.scalars(select(Segment).order_by(Segment.start)).all()
        session.add(Event(camera_id="cam1", type="intrusion", start=segments[0].start + timedelta(seconds=1),
                          severity="alarm", details={}))
        session.commit()
    admin = login(create_app(recorded_site.app_context()), "admin")
    start, end = segments[0].start - timedelta(minutes=1), segments[-1].end + timedelta(minutes=1)
    window = {"start": start.isoformat(), "end": end.isoformat()}
    timeline = admin.get("/api/timeline", params={**window, "camera_id": ["cam1", "cam2"]}).json()
    cam1, cam2 = timeline["cameras"]
    assert (cam1["camera_id"], cam1["name"], cam2["coverage"], cam2["events"]) == ("cam1", "Cổng chợ", [], [])
    assert len(cam1["coverage"]) == 1  # three back-to-back segments merge into one span
    assert datetime.fromisoformat(cam1["coverage"][0][0]) == segments[0].start
    assert [(e["type"], e["severity"]) for e in cam1["events"]] == [("intrusion", "alarm")]
    report = admin.get("/api/reports/summary", params=window).json()
    assert sorted(report) == ["alarms", "cameras", "period", "totals"]
    assert report["totals"] == {"cameras": 2, "online_now": 0, "events_by_type": {"intrusion": 1}, "imported_by_type": {}}
    row = report["cameras"][0]
    assert (row["camera_id"], row["events_by_type"]) == ("cam1", {"intrusion": 1})
    # The clip was recorded faster than real time, so part of it lies after "now" and is not counted.
    assert 0 < row["recorded_bytes"] <= sum(s.bytes for s in segments) and 0 < row["uptime_ratio"] < 1
    csv_response = admin.get("/api/reports/summary.csv", params=window)
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.content.startswith("\ufeff".encode()) and "Cổng chợ" in csv_response.text


@pytest.mark.parametrize(
    ("params", "audited"),
    [({}, False), ({"camera_id": "cam1"}, True), ({"type": "intrusion"}, True),
     ({"start": "2026-11-01T00:00:00Z"}, True)],
)
def test_searches_are_audited_but_not_the_plain_feed(site: Site, params: dict[str, str], audited: bool) -> None:
    admin = login(create_app(site.app_context()), "admin")
    assert admin.get("/api/events", params=params).status_code == 200
    with site.session_factory() as session:
        searches = session.scalars(select(AuditEntry).where(AuditEntry.action == "search")).all()
    assert len(searches) == int(audited)
