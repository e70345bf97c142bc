"""Node figures for Prometheus `/metrics` and the health page, gathered across processes.

Camera workers and the detector service are separate processes, so each keeps its own figures
and the web process reads them when scraped (a custom collector; no prometheus multiprocess
directory to set up before every import):
- each camera's analysis writes `<metrics dir>/<camera>.json` every few seconds (decode fps,
  analysis fps, frames dropped, model runs);
- the detector service answers a `stats` request (runs, drops and queue depth per camera,
  inference ms p50/p95);
- CPU seconds and RSS of every process come from /proc/<pid>.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

WRITE_INTERVAL_S = 5.0
STALE_AFTER_S = 30.0  # a camera file older than this is not reported (worker gone)
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def process_usage(pid: int) -> tuple[float, int] | None:
    """(CPU seconds user+system, RSS bytes) of a process, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        statm = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    return cpu, int(statm[1]) * _PAGE


class CameraStatsWriter:
    """Analysis side: rates over the last interval plus running totals, written atomically."""

    def __init__(self, root: Path | None, camera_id: str) -> None:
        self.root, self.camera_id = root, camera_id
        self._last: tuple[float, int, int] | None = None
        self._next = 0.0

    def maybe_write(self, decoded: int, processed: int, totals: dict[str, float]) -> None:
        now = time.monotonic()
        if self.root is None or now < self._next:
            return
        self._next = now + WRITE_INTERVAL_S
        decode_fps = analysis_fps = 0.0
        if self._last is not None:
            t0, d0, p0 = self._last
            span = max(now - t0, 1e-6)
            decode_fps, analysis_fps = (decoded - d0) / span, (processed - p0) / span
        self._last = (now, decoded, processed)
        record = {"camera_id": self.camera_id, "written": time.time(), "pid": os.getpid(),
                  "decode_fps": round(decode_fps, 2), "analysis_fps": round(analysis_fps, 2), **totals}
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / f".{self.camera_id}.json.tmp"
        temp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temp, self.root / f"{self.camera_id}.json")


def read_camera_stats(root: Path) -> dict[str, dict]:
    """Fresh per-camera records written by the workers."""
    out: dict[str, dict] = {}
    if not root.is_dir():
        return out
    for path in root.glob("*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if time.time() - float(record.get("written", 0)) <= STALE_AFTER_S:
            out[str(record.get("camera_id", path.stem))] = record
    return out


def node_snapshot(metrics_root: Path, processes: dict[str, int | None], detector: dict | None) -> dict:
    """Everything the metrics and the health page show, as one JSON-able dict."""
    procs = {}
    for name, pid in processes.items():
        usage = process_usage(pid) if pid else None
        if usage is not None:
            procs[name] = {"pid": pid, "cpu_seconds": round(usage[0], 2), "rss_bytes": usage[1]}
    return {"cameras": read_camera_stats(metrics_root), "detector": detector, "processes": procs}


class NodeCollector(Collector):
    """Prometheus collector over `node_snapshot` (called on every scrape)."""

    def __init__(self, snapshot: Callable[[], dict]) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        snap = self.snapshot()
        cams = snap.get("cameras", {})
        for key, help_text in (("decode_fps", "Frames decoded per second for analysis"),
                               ("analysis_fps", "Frames analysed per second")):
            g = GaugeMetricFamily(f"vms_camera_{key}", help_text, labels=["camera"])
            for cid, rec in cams.items():
                g.add_metric([cid], float(rec.get(key, 0)))
            yield g
        for key, name, help_text in (("dropped", "vms_camera_frames_dropped", "Frames dropped before analysis"),
                                     ("processed", "vms_camera_frames_analysed", "Frames analysed"),
                                     ("model_runs", "vms_camera_model_runs", "Model runs asked by the camera")):
            c = CounterMetricFamily(name, help_text, labels=["camera"])
            for cid, rec in cams.items():
                c.add_metric([cid], float(rec.get(key, 0)))
            yield c
        yield from _detector_metrics(snap.get("detector"))
        cpu = CounterMetricFamily("vms_process_cpu_seconds", "CPU seconds used", labels=["process"])
        rss = GaugeMetricFamily("vms_process_rss_bytes", "Resident memory", labels=["process"])
        for name, proc in snap.get("processes", {}).items():
            cpu.add_metric([name], proc["cpu_seconds"])
            rss.add_metric([name], proc["rss_bytes"])
        yield cpu
        yield rss


def _detector_metrics(det: dict | None) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
    up = GaugeMetricFamily("vms_detector_up", "1 when the detector service answers")
    up.add_metric([], 1.0 if det else 0.0)
    yield up
    runs = CounterMetricFamily("vms_detector_runs", "Model runs served per camera", labels=["camera"])
    drops = CounterMetricFamily("vms_detector_dropped", "Requests dropped by the service", labels=["camera"])
    queue = GaugeMetricFamily("vms_detector_queue_depth", "Requests waiting per camera", labels=["camera"])
    for cid, cam in (det or {}).get("cameras", {}).items():
        runs.add_metric([cid], cam["runs"])
        drops.add_metric([cid], cam["dropped"])
        queue.add_metric([cid], cam["queue"])
    yield runs
    yield drops
    yield queue
    lat = GaugeMetricFamily("vms_detector_inference_ms", "Inference time per run", labels=["quantile"])
    if det:
        lat.add_metric(["0.5"], det["inference_ms_p50"])
        lat.add_metric(["0.95"], det["inference_ms_p95"])
    yield lat
