"""The health page's figures: counters of the node snapshot become rates over a sampled span, and
the route shows only the cameras (and their processes) a user may see."""

from __future__ import annotations

import os
from dataclasses import replace

from tests.vms.conftest import add_role_users, login
from vms.api.app import create_app
from vms.api.node_health import HealthSampler, camera_rows, detector_row, process_rows
from vms.service import Site


def snap(t: float) -> dict:
    """A node whose counters grow linearly: cam1 drops 1 frame/s and asks 5 model runs/s, the
    detector serves 5 runs/s for it, the web process uses 0.5 s of CPU per second."""
    written = 2.0 * (t // 2)  # the worker writes its record every 2 s here: it is read twice in between
    return {
        "cameras": {"cam1": {"pid": 11, "written": 1e9 + written, "decode_fps": 15.0, "analysis_fps": 5.0,
                             "dropped": 10 + written, "model_runs": 100 + 5 * written, "lag_s": 0.4}},
        "detector": {"cameras": {"cam1": {"runs": 50 + 5 * t, "dropped": 0, "queue": 2}}, "pending": 2,
                     "runs": 50 + 5 * t, "inference_ms_p50": 6.1, "inference_ms_p95": 9.8},
        "processes": {"web": {"pid": 10, "cpu_seconds": 3 + 0.5 * t, "rss_bytes": 150 * 2**20},
                      "camera:cam1": {"pid": 11, "cpu_seconds": 1 + 0.05 * t, "rss_bytes": 80 * 2**20},
                      "camera:cam2": {"pid": 12, "cpu_seconds": 1.0, "rss_bytes": 60 * 2**20}},
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_counters_become_rates_once_a_span_exists() -> None:
    clock = Clock()
    sampler = HealthSampler(lambda: snap(clock.now - 1000.0), clock=clock)
    new, old, history = sampler.look()
    assert old is None  # the first look: nothing to compare with yet
    first = camera_rows(new, old, ["cam1", "cam9"], history)
    assert first[0]["decode_fps"] == 15.0 and first[0]["model_runs_per_s"] is None
    assert first[1] == {**first[1], "reporting": False, "decode_fps": None, "detector_queue": None}
    assert process_rows(new, old, lambda name: True)[0]["cpu_pct"] is None
    clock.now += 0.5
    assert sampler.look()[1] is None  # 0.5 s later: the same snapshot, still no span
    clock.now += 1.0  # t = 1.5: the worker's record is still the one of t = 0
    clock.now += 2.5  # t = 4.0: a second record (t = 4) exists
    new, old, history = sampler.look()
    assert old is not None and new.at - old.at == 4.0
    cam = camera_rows(new, old, ["cam1"], history)[0]
    assert (cam["dropped_per_s"], cam["model_runs_per_s"], cam["detector_runs_per_s"]) == (1.0, 5.0, 5.0)
    assert (cam["frames_dropped"], cam["detector_queue"], cam["lag_s"]) == (14.0, 2, 0.4)
    clock.now += 1.0  # t = 5: the record of t = 4 read again; its rate is still over two records, not 0
    new, old, history = sampler.look()
    assert camera_rows(new, old, ["cam1"], history)[0]["model_runs_per_s"] == 5.0
    det = detector_row(new, old)
    assert det == {"up": True, "runs": 75.0, "runs_per_s": 5.0, "queue_depth": 2,
                   "inference_ms_p50": 6.1, "inference_ms_p95": 9.8}
    procs = {p["name"]: p for p in process_rows(new, old, lambda name: name != "camera:cam2")}
    assert set(procs) == {"web", "camera:cam1"}
    assert procs["web"] == {"name": "web", "pid": 10, "cpu_pct": 50.0, "rss_mb": 150.0}
    assert procs["camera:cam1"]["cpu_pct"] == 5.0


def test_a_restarted_process_and_a_silent_detector_have_no_made_up_figures() -> None:
    clock = Clock()
    pid = {"web": 10}

    def snapshot() -> dict:
        out = snap(clock.now - 1000.0)
        out["processes"] = {"web": {"pid": pid["web"], "cpu_seconds": 0.1, "rss_bytes": 2**20}}
        out["detector"] = None
        return out

    sampler = HealthSampler(snapshot, clock=clock)
    sampler.look()
    clock.now += 5
    pid["web"] = 99  # restarted: its CPU counter began again at 0
    new, old, _ = sampler.look()
    assert process_rows(new, old, lambda name: True)[0]["cpu_pct"] is None
    assert detector_row(new, old) == {"up": False, "runs": None, "runs_per_s": None, "queue_depth": None,
                                      "inference_ms_p50": None, "inference_ms_p95": None}
    assert camera_rows(new, old, ["cam1"])[0]["detector_runs_per_s"] is None


def test_route_shows_the_users_cameras_and_their_processes_only(site: Site) -> None:
    metrics = {"cameras": {}, "detector": None, "processes": {
        "web": {"pid": os.getpid(), "cpu_seconds": 1.0, "rss_bytes": 2**20},
        "camera:cam1": {"pid": 1, "cpu_seconds": 1.0, "rss_bytes": 2**20},
        "camera:cam2": {"pid": 2, "cpu_seconds": 1.0, "rss_bytes": 2**20}}}
    add_role_users(site, {"installer": ["cam1"]})
    app = create_app(replace(site.app_context(), node_metrics=lambda: metrics))
    limited = login(app, "installer").get("/api/system/health")
    assert limited.status_code == 200, limited.text
    body = limited.json()
    assert [c["camera_id"] for c in body["cameras"]] == ["cam1"]
    assert body["cameras"][0]["reporting"] is False and body["span_s"] is None
    assert sorted(p["name"] for p in body["processes"]) == ["camera:cam1", "web"]
    assert body["detector"]["up"] is False
    everything = login(app, "operator").get("/api/system/health").json()
    assert [c["camera_id"] for c in everything["cameras"]] == ["cam1", "cam2"]
    assert len(everything["processes"]) == 3
    assert login(app, "viewer").get("/api/system/health").status_code == 403
