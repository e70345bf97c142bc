"""Node figures for Prometheus: collector output, per-camera files, /proc usage, loopback-only access."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from vms.runtime.metrics import CameraStatsWriter, NodeCollector, node_snapshot, process_usage, read_camera_stats

DETECTOR = {"cameras": {"cam1": {"runs": 40, "dropped": 2, "queue": 1}}, "pending": 1, "runs": 40, "models": 1,
            "inference_ms_p50": 7.5, "inference_ms_p95": 12.25, "uptime_s": 9.0}


def _samples(snapshot: dict) -> dict[tuple[str, tuple], float]:
    registry = CollectorRegistry()
    registry.register(NodeCollector(lambda: snapshot))
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_collector_reports_cameras_detector_and_processes(tmp_path: Path) -> None:
    writer = CameraStatsWriter(tmp_path, "cam1")
    writer.maybe_write(0, 0, {"dropped": 0, "processed": 0, "model_runs": 0})
    writer._next = 0.0  # next interval at once (the writer limits itself to one write per 5 s)
    writer._last = (writer._last[0] - 2.0, 0, 0)  # as if the first write was 2 s ago
    writer.maybe_write(20, 10, {"dropped": 3, "processed": 10, "model_runs": 7})
    snap = node_snapshot(tmp_path, {"web": os.getpid(), "gone": 2**22 + 12345}, DETECTOR)
    assert set(snap["processes"]) == {"web"}  # a process that does not exist is left out
    got = _samples(snap)
    assert round(got[("vms_camera_decode_fps", (("camera", "cam1"),))]) == 10
    assert round(got[("vms_camera_analysis_fps", (("camera", "cam1"),))]) == 5
    assert got[("vms_camera_frames_dropped_total", (("camera", "cam1"),))] == 3
    assert got[("vms_camera_model_runs_total", (("camera", "cam1"),))] == 7
    assert got[("vms_detector_up", ())] == 1
    assert got[("vms_detector_runs_total", (("camera", "cam1"),))] == 40
    assert got[("vms_detector_dropped_total", (("camera", "cam1"),))] == 2
    assert got[("vms_detector_queue_depth", (("camera", "cam1"),))] == 1
    assert got[("vms_detector_inference_ms", (("quantile", "0.95"),))] == 12.25
    assert got[("vms_process_rss_bytes", (("process", "web"),))] > 10 * 2**20
    assert got[("vms_process_cpu_seconds_total", (("process", "web"),))] > 0


def test_detector_down_is_reported_as_down(tmp_path: Path) -> None:
    got = _samples(node_snapshot(tmp_path, {}, None))
    assert got[("vms_detector_up", ())] == 0


def test_stale_camera_files_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text('{"camera_id": "old", "written": 1000.0}')
    (tmp_path / "broken.json").write_text("{not json")
    assert read_camera_stats(tmp_path) == {}
    assert read_camera_stats(tmp_path / "missing") == {}


def test_process_usage_of_this_process() -> None:
    cpu, rss = process_usage(os.getpid())
    assert cpu > 0 and rss > 10 * 2**20


def test_metrics_open_on_loopback_only(tmp_path: Path) -> None:
    from vms.api.app import create_app
    from vms.config import parse_config
    from vms.paths import DataPaths
    from vms.service import Site

    site = Site(parse_config({}), DataPaths(tmp_path))
    site.prepare()
    app = create_app(site.app_context())
    local = TestClient(app, client=("127.0.0.1", 40000))
    response = local.get("/metrics")
    assert response.status_code == 200 and "vms_detector_up 0.0" in response.text  # no supervisor running
    assert "vms_process_rss_bytes" in response.text
    remote = TestClient(app, client=("192.0.2.10", 40000))  # never contacted: only the ASGI scope's address
    assert remote.get("/metrics").status_code == 401
