"""Role matrix over every route of the OpenAPI document, per-camera access, and the audit trail.

Each route has one row of literal expected status codes per role; a route added to the API
without a row here fails `test_every_route_has_a_row`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from sqlalchemy import select

from tests.media import make_h264_file
from tests.vms.conftest import ADMIN_PASSWORD, ROLES, add_role_users, login, record_clip_into
from vms.api.app import create_app
from vms.config import parse_config
from vms.db.models import Event, Export, MaintenanceTicket, Segment, User, WallView
from vms.paths import DataPaths
from vms.service import Site

CONFIG = {
    "cameras": [
        {"id": "cam1", "name": "Cổng chợ", "source": {"type": "sim", "scene": "street_day"}},
        {"id": "cam2", "name": "Ngã ba", "source": {"type": "sim", "scene": "street_day"}},
    ]
}
T = "start={t0}&end={t1}"
NEW_CAMERA = {"id": "new-{role}", "name": "Mới", "source": {"type": "sim", "scene": "street_day"}}
NEW_EXPORT = {
    "camera_ids": ["cam1"],
    "start": "{t0}",
    "end": "{t1}",
    "case_number": "HS-{role}",
    "reason": "test",
}

# (method, OpenAPI path) -> (URL, JSON body or None, codes for admin, installer, operator, investigator, viewer)
MATRIX: dict[tuple[str, str], tuple[str, dict | None, tuple[int, int, int, int, int]]] = {
    ("GET", "/health"): ("/health", None, (200, 200, 200, 200, 200)),
    # The test client is not loopback: only an administrator may read the node's figures.
    ("GET", "/metrics"): ("/metrics", None, (200, 403, 403, 403, 403)),
    ("GET", "/api/system/health"): ("/api/system/health", None, (200, 200, 200, 403, 403)),
    ("POST", "/api/auth/login"): (
        "/api/auth/login",
        {"username": "{role}", "password": "{password}"},
        (200, 200, 200, 200, 200),
    ),
    ("POST", "/api/auth/logout"): ("/api/auth/logout", None, (204, 204, 204, 204, 204)),
    ("GET", "/api/auth/me"): ("/api/auth/me", None, (200, 200, 200, 200, 200)),
    ("POST", "/api/auth/password"): (
        "/api/auth/password",
        {"old_password": "{password}", "new_password": "{password}"},
        (204, 204, 204, 204, 204),
    ),
    ("GET", "/api/users"): ("/api/users", None, (200, 403, 403, 403, 403)),
    ("POST", "/api/users"): (
        "/api/users",
        {"username": "u-{role}", "password": "Xyz-12345", "role": "viewer"},
        (201, 403, 403, 403, 403),
    ),
    ("PATCH", "/api/users/{user_id}"): (
        "/api/users/{viewer_id}",
        {"full_name": "Nguyễn Văn A"},
        (200, 403, 403, 403, 403),
    ),
    ("GET", "/api/cameras"): ("/api/cameras", None, (200, 200, 200, 200, 200)),
    ("POST", "/api/cameras"): ("/api/cameras", NEW_CAMERA, (201, 201, 403, 403, 403)),
    ("GET", "/api/cameras/{camera_id}"): ("/api/cameras/cam1", None, (200, 200, 200, 200, 200)),
    ("PATCH", "/api/cameras/{camera_id}"): (
        "/api/cameras/cam2",
        {"location": "Chợ"},
        (200, 200, 403, 403, 403),
    ),
    ("DELETE", "/api/cameras/{camera_id}"): ("/api/cameras/cam2", None, (204, 204, 403, 403, 403)),
    ("GET", "/api/cameras/{camera_id}/snapshot.jpg"): (
        "/api/cameras/cam1/snapshot.jpg",
        None,
        (200, 200, 200, 200, 200),
    ),
    ("GET", "/api/cameras/{camera_id}/playback.mp4"): (
        "/api/cameras/cam1/playback.mp4?" + T,
        None,
        (200, 200, 200, 200, 403),
    ),
    ("GET", "/api/recordings"): ("/api/recordings?camera_id=cam1&" + T, None, (200, 200, 200, 200, 403)),
    ("GET", "/api/events"): ("/api/events?camera_id=cam1&" + T, None, (200, 403, 200, 200, 200)),
    ("GET", "/api/events/{event_id}"): ("/api/events/{event}", None, (200, 403, 200, 200, 200)),
    ("GET", "/api/events/{event_id}/snapshot.jpg"): (
        "/api/events/{event}/snapshot.jpg",
        None,
        (200, 403, 200, 200, 200),
    ),
    # Alarm console. The stream answers 503 here: these clients never start the app's lifespan, so no
    # event watcher runs (tests/vms/test_alarms.py streams from a served app); roles are checked first.
    ("GET", "/api/events/stream"): ("/api/events/stream", None, (503, 403, 503, 503, 503)),
    ("GET", "/api/alarms"): ("/api/alarms", None, (200, 403, 200, 200, 200)),
    ("GET", "/api/alarms/policy"): ("/api/alarms/policy", None, (200, 403, 200, 200, 200)),
    # A correction between closed states is allowed, so every permitted role can close it again.
    ("POST", "/api/events/{event_id}/review"): ("/api/events/{event}/review",
                                                {"state": "false_alarm", "note": "test"},
                                                (200, 403, 200, 200, 403)),
    ("POST", "/api/events/import"): ("/api/events/import",
                                     {"camera_id": "cam1", "started_at": "{t0}", "analysis": {"events": []}},
                                     (201, 403, 403, 201, 403)),
    ("GET", "/api/timeline"): ("/api/timeline?" + T, None, (200, 403, 200, 200, 200)),
    ("GET", "/api/exports"): ("/api/exports", None, (200, 403, 403, 200, 403)),
    ("POST", "/api/exports"): ("/api/exports", NEW_EXPORT, (202, 403, 403, 202, 403)),
    ("GET", "/api/exports/{export_id}"): ("/api/exports/{export}", None, (200, 403, 403, 200, 403)),
    ("GET", "/api/exports/{export_id}/download"): (
        "/api/exports/{export}/download",
        None,
        (200, 403, 403, 200, 403),
    ),
    ("GET", "/api/exports/{export_id}/handover"): (
        "/api/exports/{export}/handover",
        None,
        (200, 403, 403, 200, 403),
    ),
    ("GET", "/api/evidence/key"): ("/api/evidence/key", None, (200, 200, 200, 200, 200)),
    ("GET", "/api/audit"): ("/api/audit", None, (200, 403, 403, 403, 403)),
    ("GET", "/api/audit.csv"): ("/api/audit.csv", None, (200, 403, 403, 403, 403)),
    ("GET", "/api/reports/summary"): ("/api/reports/summary?" + T, None, (200, 403, 200, 200, 403)),
    ("GET", "/api/reports/summary.csv"): ("/api/reports/summary.csv?" + T, None, (200, 403, 200, 200, 403)),
    # Programme records (issue 15): uploads are raw bodies, so a JSON body is refused as the wrong type (415).
    ("GET", "/api/records/cameras"): ("/api/records/cameras", None, (200, 200, 200, 200, 403)),
    ("GET", "/api/records/cameras/{camera_id}"): ("/api/records/cameras/cam1", None, (200, 200, 200, 200, 403)),
    ("PUT", "/api/records/cameras/{camera_id}"): ("/api/records/cameras/cam2", {"hamlet": "Thôn Đông"},
                                                  (200, 200, 403, 403, 403)),
    ("PUT", "/api/records/cameras/{camera_id}/position"): ("/api/records/cameras/cam2/position",
                                                           {"map_x": 0.5, "map_y": 0.5}, (200, 200, 403, 403, 403)),
    ("PUT", "/api/records/scans/{camera_id}"): ("/api/records/scans/cam1", {},
                                                       (415, 415, 403, 403, 403)),
    ("GET", "/api/records/scans/{camera_id}"): ("/api/records/scans/cam1", None,
                                                       (404, 404, 404, 404, 403)),
    ("GET", "/api/records/cameras/{camera_id}/history"): ("/api/records/cameras/cam1/history", None,
                                                          (200, 200, 200, 200, 403)),
    ("POST", "/api/records/import"): ("/api/records/import", None, (422, 422, 403, 403, 403)),
    ("GET", "/api/records/map"): ("/api/records/map", None, (200, 200, 200, 200, 403)),
    ("PUT", "/api/records/map/image"): ("/api/records/map/image", {}, (415, 415, 403, 403, 403)),
    ("GET", "/api/records/map/image"): ("/api/records/map/image", None, (404, 404, 404, 404, 403)),
    ("GET", "/api/records/geojson"): ("/api/records/geojson", None, (200, 200, 200, 200, 403)),
    ("GET", "/api/maintenance/tickets"): ("/api/maintenance/tickets", None, (200, 200, 200, 403, 403)),
    ("GET", "/api/maintenance/summary"): ("/api/maintenance/summary", None, (200, 200, 200, 403, 403)),
    ("POST", "/api/maintenance/tickets"): ("/api/maintenance/tickets", {"camera_id": "cam1", "fault": "Mờ hình"},
                                           (201, 201, 201, 403, 403)),
    ("PATCH", "/api/maintenance/tickets/{ticket_id}"): ("/api/maintenance/tickets/{ticket}",
                                                        {"status": "in_progress"}, (200, 200, 403, 403, 403)),
    ("GET", "/api/reports/review"): ("/api/reports/review?" + T, None, (200, 403, 200, 200, 403)),
    ("GET", "/api/reports/review.pdf"): ("/api/reports/review.pdf?" + T, None, (200, 403, 200, 200, 403)),
    ("GET", "/api/reports/review.xlsx"): ("/api/reports/review.xlsx?" + T, None, (200, 403, 200, 200, 403)),
    # ONVIF: allowed roles get a validation error (422) or "not an ONVIF camera" (409) here, so the
    # matrix never sends discovery or SOAP traffic; the namespace tests cover the real calls.
    ("GET", "/api/onvif/interfaces"): ("/api/onvif/interfaces", None, (200, 200, 403, 403, 403)),
    ("POST", "/api/onvif/discover"): ("/api/onvif/discover", {"timeout_s": 0}, (422, 422, 403, 403, 403)),
    ("POST", "/api/onvif/probe"): ("/api/onvif/probe", {"address": ""}, (422, 422, 403, 403, 403)),
    ("POST", "/api/onvif/snapshot"): ("/api/onvif/snapshot", {"address": ""}, (422, 422, 403, 403, 403)),
    ("POST", "/api/onvif/register"): ("/api/onvif/register", {"address": ""}, (422, 422, 403, 403, 403)),
    ("POST", "/api/onvif/cameras/{camera_id}/ptz/move"): ("/api/onvif/cameras/cam1/ptz/move", {"pan": 0.1},
                                                          (409, 409, 409, 409, 403)),
    ("POST", "/api/onvif/cameras/{camera_id}/ptz/stop"): ("/api/onvif/cameras/cam1/ptz/stop", None,
                                                          (409, 409, 409, 409, 403)),
    ("POST", "/api/onvif/cameras/{camera_id}/ptz/absolute"): ("/api/onvif/cameras/cam1/ptz/absolute",
                                                              {"pan": 0, "tilt": 0}, (409, 409, 409, 409, 403)),
    ("GET", "/api/onvif/cameras/{camera_id}/ptz/presets"): ("/api/onvif/cameras/cam1/ptz/presets", None,
                                                            (409, 409, 409, 409, 403)),
    ("POST", "/api/onvif/cameras/{camera_id}/ptz/presets/{token}/goto"): (
        "/api/onvif/cameras/cam1/ptz/presets/p1/goto", None, (409, 409, 409, 409, 403)),
    # Saved wall views: every role that watches live has its own; admin's views are 404 to the others.
    ("GET", "/api/wall/views"): ("/api/wall/views", None, (200, 200, 200, 200, 200)),
    ("POST", "/api/wall/views"): ("/api/wall/views", {"name": "v-{role}", "layout": 4, "cameras": ["cam1"]},
                                  (201, 201, 201, 201, 201)),
    ("PUT", "/api/wall/views/{view_id}"): ("/api/wall/views/{wall_view}", {"name": "a", "layout": 1},
                                           (200, 404, 404, 404, 404)),
    ("DELETE", "/api/wall/views/{view_id}"): ("/api/wall/views/{wall_view_2}", None, (204, 404, 404, 404, 404)),
}
NO_LOGIN = {("GET", "/health"), ("POST", "/api/auth/login")}


class Matrix:
    def __init__(self, site: Site, values: dict[str, str]):
        self.site, self.values = site, values
        self.app = create_app(site.app_context())
        self._tokens: dict[str, str] = {}

    def client(self, role: str, fresh: bool = False) -> TestClient:
        """A client logged in as `role`; sessions are reused (argon2 makes each login ~0.2 s)."""
        if fresh or role not in self._tokens:
            token = login(self.app, role).cookies["vms_session"]
            if fresh:
                return TestClient(self.app, headers={"Authorization": f"Bearer {token}"})
            self._tokens[role] = token
        return TestClient(self.app, headers={"Authorization": f"Bearer {self._tokens[role]}"})

    def fill(self, value: object, role: str) -> object:
        if isinstance(value, str):
            password = ADMIN_PASSWORD if role == "admin" else "Role-Passw0rd"
            return value.format(role=role, password=password, **self.values)
        if isinstance(value, dict):
            return {key: self.fill(item, role) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item, role) for item in value]
        return value


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    base = tmp_path_factory.mktemp("matrix")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VMS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        site = Site(parse_config(CONFIG), DataPaths(base / "data"))
        site.prepare()
    record_clip_into(site, "cam1", make_h264_file(base / "clip.mp4", 6.0, fps=15, gop=15))
    add_role_users(site)
    site.paths.snapshots.mkdir(parents=True, exist_ok=True)
    (site.paths.snapshots / "e1.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    with site.session_factory.begin() as session:
        first = session.scalars(select(Segment).order_by(Segment.start)).first()
        assert first is not None
        t0, t1 = first.start, first.start + timedelta(seconds=4)
        event = Event(
            camera_id="cam1",
            type="intrusion",
            start=t0 + timedelta(seconds=1),
            severity="alarm",
            snapshot="e1.jpg",
            details={},
        )
        job = Export(
            camera_ids=["cam1"],
            start=t0,
            end=t1,
            case_number="HS-1",
            reason="r",
            created_by="investigator",
            bytes=0,
        )
        admin_id = session.scalars(select(User.id).where(User.username == "admin")).one()
        views = [WallView(user_id=admin_id, name=name, layout=4, cameras=["cam1"]) for name in ("a", "b")]
        ticket = MaintenanceTicket(camera_id="cam1", fault="Mất tín hiệu", opened_by="operator", due_at=t1)
        session.add_all([event, job, ticket, *views])
        session.flush()
        ids = {
            "event": str(event.id),
            "ticket": str(ticket.id),
            "export": str(job.id),
            "viewer_id": str(session.scalars(select(User.id).where(User.username == "viewer")).one()),
            "wall_view": str(views[0].id),
            "wall_view_2": str(views[1].id),
        }
    site.exporter.run(int(ids["export"]))
    zulu = {"t0": t0.isoformat().replace("+00:00", "Z"), "t1": t1.isoformat().replace("+00:00", "Z")}
    yield Matrix(site, {**ids, **zulu})
    site.exporter.shutdown()
    site.engine.dispose()


def test_every_route_has_a_row(matrix: Matrix) -> None:
    schema = matrix.app.openapi()  # (GET /openapi.json needs a login: tests/security/test_public_surface.py)
    routes = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert routes == set(MATRIX)


CASES = [(method, path, role) for (method, path) in MATRIX for role in ROLES]


@pytest.mark.parametrize(("method", "path", "role"), CASES)
def test_role_matrix(matrix: Matrix, method: str, path: str, role: str) -> None:
    url, body, codes = MATRIX[(method, path)]
    client = matrix.client(role, fresh=path == "/api/auth/logout")
    response = client.request(
        method, str(matrix.fill(url, role)), json=matrix.fill(body, role) if body is not None else None
    )
    assert response.status_code == codes[ROLES.index(role)], response.text


@pytest.mark.parametrize(("method", "path"), sorted(set(MATRIX) - NO_LOGIN))
def test_every_route_but_health_and_login_needs_login(matrix: Matrix, method: str, path: str) -> None:
    url, body, _ = MATRIX[(method, path)]
    response = TestClient(matrix.app).request(
        method,
        str(matrix.fill(url, "viewer")),
        json=matrix.fill(body, "viewer") if body is not None else None,
    )
    assert response.status_code == 401


def test_nothing_edits_the_audit_log(matrix: Matrix) -> None:
    schema = matrix.app.openapi()  # (GET /openapi.json needs a login: tests/security/test_public_surface.py)
    audit_methods = {method for path, item in schema["paths"].items() if "audit" in path for method in item}
    assert audit_methods == {"get"}


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("type=intrusion", (200, 403, 200, 200, 403)),
        ("object_class=car", (200, 403, 200, 200, 403)),
        ("colour=red", (200, 403, 200, 200, 403)),
        ("zone=gate", (200, 403, 200, 200, 403)),
        ("direction=N", (200, 403, 200, 200, 403)),
        ("camera_id=cam1", (200, 403, 200, 200, 200)),
    ],
)
def test_search_filters_beyond_camera_and_time_need_search(
    matrix: Matrix, query: str, codes: tuple[int, ...]
) -> None:
    for role, code in zip(ROLES, codes):
        assert matrix.client(role).get(f"/api/events?{query}").status_code == code, role


def test_live_websocket_follows_the_live_capability(matrix: Matrix) -> None:
    """WebSocket routes are not in the OpenAPI document: the live stream's row, by hand. Every role
    may watch live (no worker runs here, so an allowed viewer hears "offline"); without a login the
    socket closes with 4401 (per-camera lists: tests/vms/test_live.py)."""
    for role in ROLES:
        with matrix.client(role).websocket_connect("/api/cameras/cam1/live") as ws:
            assert ws.receive_json()["type"] == "offline", role
    with TestClient(matrix.app).websocket_connect("/api/cameras/cam1/live") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 4401
