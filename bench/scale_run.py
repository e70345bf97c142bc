"""One step of `bench/scale.py`: N cameras of one design, run in real time, and what they held.

Designs (same clips, same machine, same run):
- engine: `vms serve`'s own parts: `Site` (config -> database -> worker specs) and its `Supervisor`
  (one worker process per camera + the node's detector service); each camera is a file source
  with a sub stream (`source.sub_path`), so the 1080p main stream is only recorded and the
  640x360 sub stream is analysed at the detect fps.
- previous: the same `Site` and workers, configured as the per-camera design: analysis of the
  main stream at its full frame rate (`analysis_stream: main`), the model loaded in every camera
  process (`detector_service.enabled: false`), today's motion-gated region planner.
- naive: `scale_cameras.naive_camera_main` per camera: record + decode every main frame + the
  model on the whole frame every frame, own model per process.

"Held": over the measuring window, frames lost <= 1 % of the frames a real-time feed gives
analysis (clip fps, or what the detect fps keeps of it). Lost = expected - analysed (this
counts queue drops and a reader that falls behind real time alike) + detection requests the
detector service dropped. Figures come from the engine's own per-camera metrics files and the
detector service's stats (what /metrics shows), CPU and memory from /proc.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from dual_source import DualClip
from scale_cameras import memory, naive_camera_main

from detectors.frame import RateGate
from vms.config import DetectionSettings, parse_config
from vms.paths import DataPaths
from vms.runtime.metrics import WRITE_INTERVAL_S, process_usage, read_camera_stats
from vms.runtime.remote_detector import service_stats
from vms.service import Site

DETECT_FPS = 5.0
MAX_DROP = 0.01
_SPAWN = multiprocessing.get_context("spawn")
HAS_DETECT_FPS = "detect_fps" in DetectionSettings.model_fields  # the engine's detect fps (issue 11 item 2)


@dataclass(frozen=True)
class Timing:
    settle_s: float = 8.0  # after every camera analyses, before measuring
    window_s: float = 30.0  # measuring window
    # All cameras must be analysing by then: + 4 s per camera. Generous, since a process start
    # (imports, database, decoder) takes 2-3 CPU seconds and a shared machine may give it little;
    # on a quiet machine the wait ends as soon as every camera analyses.
    start_timeout_s: float = 90.0

    def start_timeout(self, n: int) -> float:
        return self.start_timeout_s + 4.0 * n


@dataclass
class StepResult:
    design: str
    mix: str
    n: int
    held: bool
    drop_fraction: float
    note: str = ""
    load_1m: tuple[float, float] = (0.0, 0.0)  # at start, at end
    figures: dict = field(default_factory=dict)

    def row(self) -> dict:
        return dataclasses.asdict(self)


def analysis_rate(design: str, clip: DualClip) -> float:
    """Frames per second a real-time feed of `clip` gives the design's analysis."""
    if design != "engine":
        return clip.fps
    if not HAS_DETECT_FPS:  # before the engine's detect fps: thinning by every_n_frames
        return clip.fps / _every_n(clip.fps)
    gate, seconds = RateGate(DETECT_FPS), 60.0
    return sum(gate.keep(i / clip.fps) for i in range(int(seconds * clip.fps))) / seconds


def _every_n(fps: float) -> int:
    return max(1, round(fps / DETECT_FPS))


def site_config(design: str, clips: list[DualClip], cameras_per_process: int = 1) -> dict:
    """The YAML a site would have, as a dict: one file camera per clip (looped, paced)."""
    cameras = []
    for k, clip in enumerate(clips):
        source: dict = {"type": "file", "path": str(clip.main), "loop": True, "realtime": True}
        if design == "engine":
            source["sub_path"] = str(clip.sub)
            detection = {"detect_fps": DETECT_FPS} if HAS_DETECT_FPS else {"every_n_frames": _every_n(clip.fps)}
        else:
            detection = {"detect_fps": 60.0} if HAS_DETECT_FPS else {}  # every frame (clips are <= 30 fps)
        cameras.append({"id": f"cam{k:03d}", "name": f"{clip.main.stem} {k}", "source": source,
                        "analysis_stream": "auto" if design == "engine" else "main", "detection": detection})
    return {"site_name": "bench scale", "cameras": cameras, "storage": {"min_free_gb": 0.5},
            "detector_service": {"enabled": design == "engine"},
            "workers": {"cameras_per_process": cameras_per_process if design == "engine" else 1},
            "sources": {"media_dirs": sorted({str(clip.main.parent) for clip in clips})}}


class _Running:
    """What a step runs: its processes, where their figures are, and how to stop them."""

    def __init__(self, design: str, clips: list[DualClip], root: Path, cameras_per_process: int = 1) -> None:
        self.design, self.root = design, root
        self.metrics = root / "state" / "metrics"
        self.site: Site | None = None
        self.naive: dict[str, multiprocessing.process.BaseProcess] = {}
        if design == "naive":
            (root / "recordings").mkdir(parents=True)
            for k, clip in enumerate(clips):
                cid = f"cam{k:03d}"
                process = _SPAWN.Process(target=naive_camera_main, name=f"naive-{cid}",
                                         args=(cid, str(clip.main), str(self.metrics), str(root / "recordings")))
                process.start()
                self.naive[cid] = process
        else:
            os.environ.setdefault("VMS_ADMIN_PASSWORD", "Bench-7q" + secrets.token_urlsafe(12))  # digit, both cases
            self.site = Site(parse_config(site_config(design, clips, cameras_per_process), "bench"), DataPaths(root))
            self.site.prepare()
            self.site.start_background()

    def camera_pids(self) -> dict[str, int | None]:
        if self.site is not None and self.site.supervisor is not None:
            return self.site.supervisor.worker_pids()
        return {cid: p.pid for cid, p in self.naive.items()}

    def detector_pid(self) -> int | None:
        supervisor = self.site.supervisor if self.site is not None else None
        return supervisor.detector_pid() if supervisor is not None else None

    def detector_stats(self) -> dict | None:
        spec = self.site.detector_service if self.site is not None else None
        return service_stats(spec.address, spec.authkey, timeout_s=3.0) if spec is not None else None

    def snapshot(self) -> dict:
        procs = {}
        # Keyed by process: with workers.cameras_per_process > 1 several cameras share one.
        named = {f"camera:{pid}": pid for pid in set(self.camera_pids().values()) if pid}
        named["detector"] = self.detector_pid()
        for name, pid in named.items():
            usage = process_usage(pid) if pid else None
            mem = memory(pid) if pid else None
            if usage is not None and mem is not None:
                procs[name] = {"cpu_s": usage[0], **mem}
        return {"t": time.time(), "cameras": read_camera_stats(self.metrics), "procs": procs,
                "detector": self.detector_stats(), "load": os.getloadavg()[0]}

    def stop(self) -> None:
        if self.site is not None:
            self.site.stop_background()
            self.site.engine.dispose()
        for process in self.naive.values():
            process.terminate()
        for process in self.naive.values():
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join(5)


def run_step(design: str, mix: str, clips: list[DualClip], timing: Timing, extra=None,  # type: ignore[no-untyped-def]
             cameras_per_process: int = 1) -> StepResult:
    """Start N = len(clips) cameras, wait until all analyse, settle, measure one window, stop.

    `extra(running)`: called once all cameras analyse; returns a callable that blocks until the
    extra work is done (the quality cameras), run after the window so the step lasts long enough.
    """
    n = len(clips)
    root = Path(tempfile.mkdtemp(prefix=f"vms-scale-{design}-"))
    load0 = os.getloadavg()[0]
    running = _Running(design, clips, root, cameras_per_process)
    started = time.monotonic()
    try:
        ids = list(running.camera_pids())
        if not _wait_all_analysing(running, ids, timing.start_timeout(n)):
            running_now = len(set(ids) & set(read_camera_stats(running.metrics)))
            return StepResult(design, mix, n, False, 1.0, f"only {running_now}/{n} cameras analysing after "
                              f"{timing.start_timeout(n):.0f} s", (load0, os.getloadavg()[0]))
        started_s = time.monotonic() - started
        waiter = extra(running) if extra is not None else None
        time.sleep(timing.settle_s)
        before = running.snapshot()
        time.sleep(timing.window_s)
        after = running.snapshot()
        if waiter is not None:
            waiter()
        rates = {f"cam{k:03d}": analysis_rate(design, clip) for k, clip in enumerate(clips)}
        drop, figures = measure(before, after, rates)
        figures["start_s"] = round(started_s, 1)
        return StepResult(design, mix, n, drop <= MAX_DROP, drop, "", (load0, after["load"]), figures)
    finally:
        running.stop()
        shutil.rmtree(root, ignore_errors=True)


def _wait_all_analysing(running: _Running, ids: list[str], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if set(ids) <= set(read_camera_stats(running.metrics)):
            return True
        time.sleep(1.0)
    return False


def measure(before: dict, after: dict, rates: dict[str, float]) -> tuple[float, dict]:
    """Fraction of frames lost over the window, and the step's figures (per camera means)."""
    expected = lost = 0.0
    runs = 0.0
    lags = []
    det_a, det_b = (before.get("detector") or {}).get("cameras", {}), (after.get("detector") or {}).get("cameras", {})
    for cid, rate in rates.items():
        a, b = before["cameras"].get(cid), after["cameras"].get(cid)
        if a is None or b is None:  # the camera stopped reporting: everything in the window is lost
            expected += rate * (after["t"] - before["t"])
            lost += rate * (after["t"] - before["t"])
            continue
        span = float(b["written"]) - float(a["written"])
        stalled = max(0.0, after["t"] - float(b["written"]) - 2 * WRITE_INTERVAL_S)  # analysis stuck
        want = rate * (span + stalled)
        expected += want
        lost += want - (float(b["processed"]) - float(a["processed"]))
        lost += det_b.get(cid, {}).get("dropped", 0) - det_a.get(cid, {}).get("dropped", 0)
        runs += float(b.get("model_runs", 0)) - float(a.get("model_runs", 0))
        lags.append(float(b.get("lag_s", 0.0)))
    window = after["t"] - before["t"]
    n = max(1, len(rates))
    drop = max(0.0, lost / expected) if expected else 1.0
    return drop, {"window_s": round(window, 1), "expected_frames": round(expected), "lost_frames": round(lost, 1),
                  "model_runs_per_camera_s": round(runs / window / n, 2),
                  "lag_s_max": round(max(lags), 2) if lags else None,
                  **_process_figures(before, after, window, n)}


def _process_figures(before: dict, after: dict, window: float, n: int) -> dict:
    cams_a = {k: v for k, v in before["procs"].items() if k.startswith("camera:")}
    cams_b = {k: v for k, v in after["procs"].items() if k.startswith("camera:")}
    cpu = sum(cams_b[k]["cpu_s"] - cams_a[k]["cpu_s"] for k in cams_b if k in cams_a)
    mb = 1024 * 1024
    out = {"camera_processes": len(cams_b), "camera_cpu_pct_per_camera": round(100 * cpu / window / n, 2),
           "rss_mb_per_camera": round(sum(p["rss"] for p in cams_b.values()) / n / mb, 1),
           "pss_mb_per_camera": round(sum(p["pss"] for p in cams_b.values()) / n / mb, 1),
           "uss_mb_per_camera": round(sum(p["uss"] for p in cams_b.values()) / n / mb, 1)}
    det_a, det_b = before["procs"].get("detector"), after["procs"].get("detector")
    if det_a and det_b:
        out.update({"detector_cpu_pct": round(100 * (det_b["cpu_s"] - det_a["cpu_s"]) / window, 1),
                    "detector_rss_mb": round(det_b["rss"] / mb, 1), "detector_pss_mb": round(det_b["pss"] / mb, 1)})
    stats_a, stats_b = before.get("detector"), after.get("detector")
    if stats_a and stats_b:
        out.update({"detector_runs_per_s": round((stats_b["runs"] - stats_a["runs"]) / window, 1),
                    "inference_ms_p50": stats_b["inference_ms_p50"], "inference_ms_p95": stats_b["inference_ms_p95"]})
    return out
