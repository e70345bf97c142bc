"""The alarm workflow: which events are alarms, the queue, reviews with audit, and the push to open pages.

Pushes are tested against a real uvicorn server on loopback (a thread of this process, so the test can
look at the database pool), with events written by another engine the way a camera worker writes them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.peers.processes import free_port, wait_for_port
from tests.vms.conftest import ADMIN_PASSWORD, ROLE_PASSWORD, add_role_users, login
from vms.api.app import create_app
from vms.db.engine import make_engine, make_session_factory
from vms.db.models import AuditEntry, Event
from vms.service import Site

# 2026-12-01 in Asia/Ho_Chi_Minh (UTC+7): 23:30 local is night, 14:00 local is day.
NIGHT = datetime(2026, 12, 1, 16, 30, tzinfo=timezone.utc)
DAY = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)


def write_event(site: Site, kind: str, start: datetime, camera_id: str | None = "cam2", **fields: object) -> int:
    """An event row as a worker writes it: its own engine, no API involved."""
    factory = make_session_factory(make_engine(site.database_url))
    with factory.begin() as session:
        row = Event(camera_id=camera_id, type=kind, start=start, severity="alarm", details={"rule": kind, **fields},
                    zone=None, detector="simulated", object_classes="")
        session.add(row)
        session.flush()
        event_id = row.id
    factory.kw["bind"].dispose()
    return event_id


def test_policy_decides_alarm_notify_or_log_by_type_and_hour(site: Site, admin: TestClient) -> None:
    ids = {name: write_event(site, kind, start) for name, kind, start in [
        ("hr", "hit_and_run", DAY), ("night_intrusion", "intrusion", NIGHT), ("day_intrusion", "intrusion", DAY),
        ("loiter", "loitering", DAY), ("crossing", "line_crossing", DAY), ("tamper", "tamper", NIGHT)]}
    queue = admin.get("/api/alarms").json()
    levels = {item["id"]: (item["alarm_level"], item["review_state"]) for item in queue["items"]}
    assert levels == {ids["hr"]: ("alarm", "new"), ids["night_intrusion"]: ("alarm", "new"),
                      ids["day_intrusion"]: ("notify", "new"), ids["loiter"]: ("notify", "new"),
                      ids["tamper"]: ("alarm", "new")}
    assert queue["counts"] == {"new": 5, "acknowledged": 0, "alarm_new": 3,
                               "by_camera": {"cam2": {"new": 5, "acknowledged": 0, "alarm_new": 3}}}
    crossing = admin.get(f"/api/events/{ids['crossing']}").json()
    assert (crossing["alarm_level"], crossing["review_state"]) == ("log", None)
    policy = admin.get("/api/alarms/policy").json()
    assert policy["intrusion"] == {"level": "alarm", "hours": "22:00-05:00", "otherwise": "notify", "sound": True,
                                   "repeat_s": 10.0}


def test_acknowledge_false_alarm_and_handled_are_recorded_and_audited(site: Site, admin: TestClient) -> None:
    add_role_users(site)
    first, second = write_event(site, "tamper", NIGHT), write_event(site, "intrusion", NIGHT)
    admin.get("/api/alarms")  # classified when the API first sees them
    operator = login(admin.app, "operator")
    acked = operator.post(f"/api/events/{first}/review", json={"state": "acknowledged"})
    assert acked.status_code == 200 and acked.json()["review_state"] == "acknowledged"
    refused = operator.post(f"/api/events/{first}/review", json={"state": "handled"}).json()["detail"]
    assert refused["code"] == "alarm.note_required"
    closed = operator.post(f"/api/events/{first}/review",
                           json={"state": "handled", "note": "Đã cử tổ tuần tra; camera được lau sạch"}).json()
    assert closed["review_state"] == "handled"
    assert [(r["state"], r["username"]) for r in closed["reviews"]] == [("acknowledged", "operator"),
                                                                         ("handled", "operator")]
    assert closed["reviews"][1]["note"] == "Đã cử tổ tuần tra; camera được lau sạch"
    reopened = operator.post(f"/api/events/{first}/review", json={"state": "acknowledged"}).json()["detail"]
    assert reopened["code"] == "alarm.already_closed"
    false = operator.post(f"/api/events/{second}/review", json={"state": "false_alarm", "note": "mèo đi qua"})
    assert false.json()["review_state"] == "false_alarm"
    viewer = login(admin.app, "viewer")
    assert viewer.post(f"/api/events/{second}/review", json={"state": "handled", "note": "x"}).status_code == 403
    with site.session_factory() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "event_review")
                                  .order_by(AuditEntry.id)).all()
    assert [(e.username, e.target, e.details["before"], e.details["state"]) for e in entries] == [
        ("operator", str(first), "new", "acknowledged"), ("operator", str(first), "acknowledged", "handled"),
        ("operator", str(second), "new", "false_alarm")]
    # Review state is a search filter and an API field.
    found = admin.get("/api/events", params={"review_state": ["false_alarm", "handled"]}).json()["items"]
    assert sorted(e["id"] for e in found) == sorted([first, second])
    assert admin.get("/api/alarms").json()["counts"]["new"] == 0
    # The periodic report counts alarms by outcome: the false-alarm rate per camera and rule.
    period = {"start": (NIGHT - timedelta(days=1)).isoformat(), "end": (NIGHT + timedelta(days=1)).isoformat()}
    rows = admin.get("/api/reports/summary", params=period).json()["alarms"]
    assert [(r["type"], r["total"], r["false_alarm"], r["handled"], r["false_alarm_rate"]) for r in rows] == [
        ("intrusion", 1, 1, 0, 1.0), ("tamper", 1, 0, 1, 0.0)]
    csv_text = admin.get("/api/reports/summary.csv", params=period).text
    assert "cam2,intrusion,intrusion,1,0,0,1,0,100.0" in csv_text.replace("\r", "")


@pytest.fixture
def served(site: Site) -> Iterator[str]:
    """The app on a real loopback port (uvicorn in a thread), logged in as admin; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(site.app_context()), host="127.0.0.1", port=port,
                                           log_level="warning", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def token(base: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(f"{base}/api/auth/login", json={"username": username, "password": password})
    return response.json()["token"]


class StreamReader:
    """Reads one SSE stream in a thread; `messages` holds (event name, data, id, received at)."""

    def __init__(self, base: str, bearer: str, last_event_id: str | None = None) -> None:
        self.messages: list[tuple[str, dict, str | None, float]] = []
        self.status: int | None = None
        headers = {"Authorization": f"Bearer {bearer}"} | ({"Last-Event-ID": last_event_id} if last_event_id else {})
        self.client = httpx.Client(timeout=httpx.Timeout(30, read=None))
        self.thread = threading.Thread(target=self._read, args=(f"{base}/api/events/stream", headers), daemon=True)
        self.thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                name, data, seq = "message", "", None
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif line.startswith("id: "):
                        seq = line[4:]
                    elif line == "" and data:
                        self.messages.append((name, json.loads(data), seq, time.time()))
                        name, data, seq = "message", "", None
        except httpx.HTTPError:
            pass

    def wait(self, predicate, timeout_s: float = 15.0) -> list:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [m for m in self.messages if predicate(m)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no such message in {self.messages}")

    def close(self) -> None:
        self.client.close()


def test_new_events_and_reviews_reach_every_open_page(site: Site, served: str) -> None:
    add_role_users(site, {"viewer": ["cam1"]})
    admin_token = token(served)
    pages = [StreamReader(served, admin_token) for _ in range(20)]
    restricted = StreamReader(served, token(served, "viewer", ROLE_PASSWORD))  # may see cam1 only
    try:
        for page in [*pages, restricted]:
            page.wait(lambda m: m[0] == "hello")
        event_id = write_event(site, "hit_and_run", datetime.now(timezone.utc))
        for page in pages:
            (_, data, seq, _), = page.wait(lambda m: m[0] == "event" and m[1]["event"]["id"] == event_id)
            assert data["event"]["alarm_level"] == "alarm" and data["event"]["review_state"] == "new"
            assert data["counts"]["alarm_new"] == 1 and seq is not None
        # Open pages hold no database connection (and the API still answers around them).
        engine = site.session_factory.kw["bind"]
        assert engine.pool.checkedout() == 0
        assert httpx.get(f"{served}/api/cameras", headers={"Authorization": f"Bearer {admin_token}"}).status_code == 200
        reviewed = httpx.post(f"{served}/api/events/{event_id}/review", json={"state": "acknowledged"},
                              headers={"Authorization": f"Bearer {admin_token}"})
        assert reviewed.status_code == 200
        for page in pages:
            page.wait(lambda m: m[0] == "event" and m[1]["event"]["review_state"] == "acknowledged")
        assert not [m for m in restricted.messages if m[0] == "event"]  # a camera the viewer may not see
    finally:
        for page in [*pages, restricted]:
            page.close()


def test_a_page_that_reconnects_gets_what_it_missed(site: Site, served: str) -> None:
    bearer = token(served)
    page = StreamReader(served, bearer)
    page.wait(lambda m: m[0] == "hello")  # subscribed: what is written from now on reaches it
    first = write_event(site, "tamper", datetime.now(timezone.utc))
    (_, _, seq, _), = page.wait(lambda m: m[0] == "event" and m[1]["event"]["id"] == first)
    page.close()
    missed = [write_event(site, "collision", datetime.now(timezone.utc) + timedelta(seconds=k)) for k in range(3)]
    time.sleep(1.0)  # the watcher has pushed them to nobody
    again = StreamReader(served, bearer, last_event_id=seq)
    try:
        hello, = again.wait(lambda m: m[0] == "hello")
        assert hello[1]["resync"] is False
        got = again.wait(lambda m: m[0] == "event" and m[1]["event"]["id"] == missed[-1])
        assert [m[1]["event"]["id"] for m in again.messages if m[0] == "event"] == missed
        assert got
    finally:
        again.close()


def test_stream_needs_a_login(served: str) -> None:
    assert httpx.get(f"{served}/api/events/stream").status_code == 401


def test_the_alarm_push_never_takes_an_admission_slot() -> None:
    """An open page keeps its SSE stream for hours: counted as an active request it would starve the API."""
    from vms.api.overload import _unqueued

    assert _unqueued("/api/events/stream")
    assert not _unqueued("/api/events")
