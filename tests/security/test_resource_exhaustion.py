"""Threat: exhausting the server's disk, memory or database with requests it accepts.

Bodies are refused over their route's limit before they are parsed; free text is bounded; the audit
log (kept forever) stores no payloads; the playback cache cannot be made to fill the disk.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.security import service as svc

CACHE_GB = 0.0004  # a 400 KiB playback cache in this site, so its cap is reached by a few clips


@pytest.fixture(scope="module")
def service_extra() -> dict[str, Any]:
    return {"storage": {"playback_cache_gb": CACHE_GB}}


def test_huge_unauthenticated_login_body_is_refused_unread(service: svc.Service) -> None:
    body = b'{"username": "admin", "password": "' + b"A" * (30 * 1024 * 1024) + b'"}'
    try:
        answer = httpx.post(f"{service.url}/api/auth/login", content=body, timeout=30, trust_env=False,
                            headers={"content-type": "application/json"})
        assert answer.status_code == 413 and answer.json()["detail"]["code"] == "request.too_large"
    except httpx.TransportError:
        pass  # the server answered 413 and closed while the client was still sending: also refused
    assert httpx.get(f"{service.url}/health", timeout=10, trust_env=False).status_code == 200


def test_chunked_body_without_length_is_cut_at_the_limit(service: svc.Service) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(64):
            yield b"x" * 16384  # 1 MiB in total, no Content-Length
    answer = httpx.post(f"{service.url}/api/auth/login", content=chunks(), timeout=30, trust_env=False)
    assert answer.status_code == 413


def _import(client: httpx.Client, analysis: dict) -> httpx.Response:
    return client.post("/api/events/import", json={"camera_id": svc.CAMERA, "started_at": "2026-11-20T08:00:00+07:00",
                                                   "analysis": analysis})


def test_imported_event_cannot_carry_a_payload(service: svc.Service) -> None:
    investigator = service.client("investigator")
    twenty_mb = {"events": [{"type": "intrusion", "start": 1, "evidence": {"note": "x" * (20 * 1024 * 1024)}}]}
    assert _import(investigator, twenty_mb).status_code == 413  # over the route's 16 MiB: never parsed
    one_mb = {"events": [{"type": "intrusion", "start": 1, "evidence": {"note": "x" * (1024 * 1024)}}]}
    assert _import(investigator, one_mb).status_code == 422  # evidence is bounded (8 KiB as JSON)
    deep: dict = {}
    node = deep
    for _ in range(10):
        node["a"] = {}
        node = node["a"]
    assert _import(investigator, {"events": [{"type": "intrusion", "start": 1, "evidence": deep}]}).status_code == 422
    long_name = {"file": "f" * 100_000, "events": []}
    assert _import(investigator, long_name).status_code == 422


def test_audit_entries_hold_no_big_payloads(service: svc.Service) -> None:
    first, _ = svc.wait_footage(service, 4)
    investigator = service.client("investigator")
    reason = "lý do " * 300  # 1,800 characters: allowed in the export, not kept whole in the audit
    job = investigator.post("/api/exports", json={"camera_ids": [svc.CAMERA], "start": first.isoformat(),
                                                  "end": (first + timedelta(seconds=2)).isoformat(),
                                                  "case_number": "HS-AUDIT", "reason": reason})
    assert job.status_code == 202
    items = service.client("admin").get("/api/audit", params={"action": "export_create", "limit": 5}).json()["items"]
    stored = next(i for i in items if i["details"]["case_number"] == "HS-AUDIT")["details"]["reason"]
    assert len(stored) < 600 and stored.startswith("lý do")


def _cache_files(service: svc.Service) -> list:
    folder = service.data / "state" / "cache" / "clips"
    return sorted(folder.glob("*.mp4")) if folder.is_dir() else []


def test_distinct_microsecond_ranges_share_one_cached_clip(service: svc.Service) -> None:
    first, _ = svc.wait_footage(service, 8)
    operator = service.client("operator")
    before = len(_cache_files(service))
    for micro in (1, 2, 3, 4, 5):
        start = first + timedelta(seconds=0.5, microseconds=micro)
        end = first + timedelta(seconds=1.5, microseconds=micro)
        answer = operator.get(f"/api/cameras/{svc.CAMERA}/playback.mp4",
                              params={"start": start.isoformat(), "end": end.isoformat()})
        assert answer.status_code == 200 and answer.content[4:8] == b"ftyp"
    assert len(_cache_files(service)) == before + 1  # before the fix: 5 new files


def test_playback_cache_stays_within_its_cap(service: svc.Service) -> None:
    first, last = svc.wait_footage(service, 16)
    operator = service.client("operator")
    sizes = []
    for offset in range(0, 14, 2):
        start = first + timedelta(seconds=offset + 0.2)
        answer = operator.get(f"/api/cameras/{svc.CAMERA}/playback.mp4",
                              params={"start": start.isoformat(), "end": (start + timedelta(seconds=1)).isoformat()})
        assert answer.status_code == 200
        sizes.append(len(answer.content))
        total = sum(path.stat().st_size for path in _cache_files(service))
        assert total <= max(CACHE_GB * 1024**3, sizes[-1])  # within the cap (or just the clip being served)
    assert sum(sizes) > CACHE_GB * 1024**3  # the clips asked for were more than the cap holds
