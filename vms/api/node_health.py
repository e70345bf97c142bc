"""The health page's figures: what `/metrics` exports, per camera and per process, with rates.

The source is the node snapshot /metrics reads (`vms.runtime.metrics.node_snapshot`: the camera
workers' records, the detector service's `stats`, /proc per process). Prometheus computes rates
from its counters itself; a page cannot, so `HealthSampler` keeps the snapshots of the last minute
in the web process and turns counters into per-second rates over the newest span of at least
`MIN_SPAN_S`: detector runs and CPU seconds over the span between two snapshots (both are read live
at each snapshot); a camera's frames dropped and model runs over the span between two of the
worker's own records (it writes one every few seconds, stamped `written`), so a record read twice
never looks like "0 per second". The first request after start-up has no span yet: its rates are
None ("measuring") until the next poll.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MIN_SPAN_S = 2.0  # rates over at least this long (one 5 s write interval of a camera is typical)
KEEP_S = 60.0  # older snapshots are dropped
REUSE_S = 1.0  # requests closer together than this share one snapshot (several open pages)


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    wall: float  # time.time()
    snap: dict


class HealthSampler:
    """Snapshots of the node, taken on demand (one per `REUSE_S` at most), kept for `KEEP_S`."""

    def __init__(self, snapshot: Callable[[], dict], clock: Callable[[], float] = time.monotonic) -> None:
        self.snapshot, self.clock = snapshot, clock
        self.samples: deque[Sample] = deque()
        self.lock = threading.Lock()

    def look(self) -> tuple[Sample, Sample | None, list[Sample]]:
        """(newest, the newest sample >= MIN_SPAN_S before it or None, all kept samples oldest first)."""
        with self.lock:
            now = self.clock()
            if not self.samples or now - self.samples[-1].at >= REUSE_S:
                self.samples.append(Sample(now, time.time(), self.snapshot()))
            while self.samples and now - self.samples[0].at > KEEP_S:
                self.samples.popleft()
            kept = list(self.samples)
        newest = kept[-1]
        older = [s for s in kept if newest.at - s.at >= MIN_SPAN_S]
        return newest, (older[-1] if older else None), kept


def _rate(new: float | None, old: float | None, span: float | None) -> float | None:
    if new is None or old is None or not span:
        return None
    return round(max(0.0, float(new) - float(old)) / span, 2)


def record_before(history: Iterable[Sample], camera_id: str, record: dict) -> dict | None:
    """The newest earlier record of the same worker process written >= MIN_SPAN_S before `record`."""
    for sample in reversed(list(history)):
        old = sample.snap.get("cameras", {}).get(camera_id)
        if (old and old.get("pid") == record.get("pid")
                and float(record.get("written", 0)) - float(old.get("written", 0)) >= MIN_SPAN_S):
            return old
    return None


def _camera_rates(record: dict, before: dict | None) -> tuple[float | None, float | None]:
    """(frames dropped per s, model runs per s) between two records of one worker."""
    if before is None:
        return None, None
    span = float(record["written"]) - float(before["written"])
    return (_rate(record.get("dropped"), before.get("dropped"), span),
            _rate(record.get("model_runs"), before.get("model_runs"), span))


def camera_rows(new: Sample, old: Sample | None, camera_ids: list[str], history: Iterable[Sample] = ()
                ) -> list[dict]:
    """One row per camera: the worker's own figures and rates, the detector service's share."""
    span = new.at - old.at if old else None
    cams = new.snap.get("cameras", {})
    det = (new.snap.get("detector") or {}).get("cameras", {})
    old_det = ((old.snap.get("detector") or {}).get("cameras", {})) if old else {}
    history = list(history)
    rows = []
    for cid in camera_ids:
        rec = cams.get(cid)
        dropped_rate, runs_rate = _camera_rates(rec, record_before(history, cid, rec)) if rec else (None, None)
        served, served_before = det.get(cid, {}), old_det.get(cid, {})
        rows.append({
            "camera_id": cid, "reporting": rec is not None,
            "decode_fps": rec.get("decode_fps") if rec else None,
            "analysis_fps": rec.get("analysis_fps") if rec else None,
            "frames_dropped": rec.get("dropped") if rec else None,
            "dropped_per_s": dropped_rate, "model_runs_per_s": runs_rate,
            "lag_s": rec.get("lag_s") if rec else None,
            "detector_queue": served.get("queue"),
            "detector_runs_per_s": _rate(served.get("runs"), served_before.get("runs"), span),
            "detector_dropped": served.get("dropped"),
        })
    return rows


def detector_row(new: Sample, old: Sample | None) -> dict:
    det = new.snap.get("detector")
    if not det:
        return {"up": False, "runs": None, "runs_per_s": None, "queue_depth": None,
                "inference_ms_p50": None, "inference_ms_p95": None}
    span = new.at - old.at if old else None
    before = (old.snap.get("detector") or {}) if old else {}
    ran = bool(det.get("runs"))  # with no run yet its percentiles are of nothing
    return {"up": True, "runs": det.get("runs"), "runs_per_s": _rate(det.get("runs"), before.get("runs"), span),
            "queue_depth": det.get("pending", sum(c.get("queue", 0) for c in det.get("cameras", {}).values())),
            "inference_ms_p50": det.get("inference_ms_p50") if ran else None,
            "inference_ms_p95": det.get("inference_ms_p95") if ran else None}


def process_rows(new: Sample, old: Sample | None, shown: Callable[[str], bool]) -> list[dict]:
    """CPU as % of one core over the span (None until there is one) and RSS in MB, per process."""
    span = new.at - old.at if old else None
    before = old.snap.get("processes", {}) if old else {}
    rows = []
    for name, proc in sorted(new.snap.get("processes", {}).items()):
        if not shown(name):
            continue
        prev = before.get(name)
        same = prev is not None and prev.get("pid") == proc.get("pid")  # a restarted process starts at 0
        cpu = _rate(proc["cpu_seconds"], prev["cpu_seconds"], span) if same and prev else None
        rows.append({"name": name, "pid": proc.get("pid"), "cpu_pct": None if cpu is None else round(cpu * 100, 1),
                     "rss_mb": round(proc["rss_bytes"] / 2**20, 1)})
    return rows


def process_cameras(name: str) -> list[str]:
    """`camera:ID` / `camera:ID1,ID2` -> the camera ids; other processes (web, detector) -> []."""
    return name.split(":", 1)[1].split(",") if name.startswith("camera:") else []
