"""Threat: claims passed off as the site's own detections. An investigator imports the analysis of
handed-in footage (`vms analyze` JSON, which anyone can edit). Before the fix its events counted as
live detections in reports and could claim any detector name; it could also claim event types
only the site writes about itself (camera_offline, index_repair). Now an imported event is marked
`imported:<detector>`, returned with `imported: true`, searchable apart and counted apart in the
report, and it may claim only rule event types and the detectors `vms analyze` runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.security import service as svc

STARTED = datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=7)))
RANGE = {"start": (STARTED - timedelta(hours=1)).isoformat(), "end": (STARTED + timedelta(hours=2)).isoformat()}


def _import(client: httpx.Client, analysis: dict) -> httpx.Response:
    return client.post("/api/events/import", json={"camera_id": svc.CAMERA, "started_at": STARTED.isoformat(),
                                                   "analysis": {"file": "nop/cua-hang.mp4", **analysis}})


def _events(client: httpx.Client, **filters: str) -> list[dict]:
    answer = client.get("/api/events", params={**RANGE, **filters})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


@pytest.mark.parametrize(("analysis", "code"), [
    ({"detector": "camera-cong-cho-live", "events": [{"type": "hit_and_run", "start": 1}]}, "import.detector"),
    ({"detector": "simulated", "events": [{"type": "hit_and_run", "start": 1}]}, "import.detector"),
    ({"detector": "nanodet", "events": [{"type": "camera_offline", "start": 1}]}, "import.event_type"),
    ({"detector": "nanodet", "events": [{"type": "index_repair", "start": 1}]}, "import.event_type"),
])
def test_an_import_cannot_claim_a_detector_or_an_event_type_of_the_site(service: svc.Service, analysis: dict,
                                                                         code: str) -> None:
    investigator = service.client("investigator")
    before = len(_events(investigator))
    answer = _import(investigator, analysis)
    assert answer.status_code == 422, answer.text
    assert [item["code"] for item in answer.json()["detail"]] == [code]
    assert len(_events(investigator)) == before  # nothing stored


def test_imported_events_are_marked_and_kept_apart_in_search_timeline_and_reports(service: svc.Service) -> None:
    investigator = service.client("investigator")
    answer = _import(investigator, {"detector": "nanodet", "events": [
        {"type": "hit_and_run", "start": 60, "end": 75, "severity": "alarm",
         "objects": [{"track_id": 3, "role": "striker", "class": "car"}]},
        {"type": "intrusion", "start": 120, "zone": "kho"}]})
    assert answer.status_code == 201, answer.text
    ids = set(answer.json()["event_ids"])
    unnamed = _import(investigator, {"events": [{"type": "loitering", "start": 30}]})
    assert unnamed.status_code == 201
    ids |= set(unnamed.json()["event_ids"])

    everything = {e["id"]: e for e in _events(investigator)}
    assert ids <= set(everything)
    assert {everything[i]["detector"] for i in ids} == {"imported:nanodet", "imported:unknown"}
    assert all(everything[i]["imported"] for i in ids)
    assert not ids & {e["id"] for e in _events(investigator, origin="site")}
    assert {e["id"] for e in _events(investigator, origin="imported")} == ids
    assert _events(investigator, origin="imported", type="hit_and_run")[0]["objects"][0]["class_name"] == "car"
    detail = investigator.get(f"/api/events/{min(ids)}").json()
    assert detail["imported"] is True and detail["details"]["claimed_detector"] in ("nanodet", "")

    timeline = investigator.get("/api/timeline", params=RANGE).json()
    marks = [e for camera in timeline["cameras"] for e in camera["events"] if e["id"] in ids]
    assert len(marks) == 3 and all(mark["imported"] for mark in marks)

    report = investigator.get("/api/reports/summary", params=RANGE).json()
    camera = next(c for c in report["cameras"] if c["camera_id"] == svc.CAMERA)
    assert camera["events_by_type"].get("hit_and_run", 0) == 0  # before the fix: counted as a live detection
    assert camera["imported_by_type"] == {"hit_and_run": 1, "intrusion": 1, "loitering": 1}
    assert report["totals"]["imported_by_type"] == {"hit_and_run": 1, "intrusion": 1, "loitering": 1}
    assert "hit_and_run" not in report["totals"]["events_by_type"]
    csv = investigator.get("/api/reports/summary.csv", params=RANGE).text
    assert "imported_hit_and_run" in csv  # its own column, apart from the hit_and_run one


def test_live_detections_never_carry_the_imported_mark(service: svc.Service) -> None:
    """The mark is set by the import only: the site's own events (here the simulated camera's
    health events and anything its analysis raised) are never `imported`."""
    admin = service.client("admin")
    now = datetime.now(timezone.utc)
    own = admin.get("/api/events", params={"start": (now - timedelta(hours=1)).isoformat(),
                                           "end": (now + timedelta(minutes=1)).isoformat(), "origin": "site"}).json()
    assert all(not e["imported"] and not e["detector"].startswith("imported:") for e in own["items"])
