"""The ramp of `bench/scale.py` (see its doc): N raised per design and mix, the summary and the table.

Kept apart from the entry file: the spawn start method re-runs the entry file in every camera
process (as `__mp_main__`), so whatever it imports at module level would be counted in the
camera processes' memory. `bench/scale.py` imports only the standard library at module level.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from dual_source import DualClip, make_dual_clip
from scale_quality import quality_extra, score_quality
from scale_run import HAS_DETECT_FPS, StepResult, Timing, run_step

from vms.config import WorkersConfig

CLIPS = {
    "pets09": "pets09_s2l1/pets09_s2l1_view001_h264.mp4",
    "cdnet_highway": "cdnet_highway/highway_input_h264.mp4",
    "bgs_highway": "bgslibrary/video02.avi",
    "intel_parking": "intel_sample_videos/car-detection.mp4",
    "intel_people": "intel_sample_videos/one-by-one-person-detection.mp4",
    "bgs_empty_road": "bgslibrary/video.avi",
}
BUSY = ["pets09", "cdnet_highway", "bgs_highway"]
QUIET = ["intel_parking", "intel_people", "bgs_empty_road"]
MIXES = {"mix": [c for pair in zip(BUSY, QUIET) for c in pair], "busy": BUSY, "quiet": QUIET}
DESIGNS = ["engine", "naive", "previous"]
CLIP_SECONDS = 180.0  # every file lasts this long, so a step never reaches its end
START_N = {"engine": 4, "naive": 1, "previous": 1}


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


class Ramp:
    """Raise N for one design and mix: double until a step fails, then bisect `refine` times."""

    def __init__(self, design: str, mix: str, clips: list[DualClip], timing: Timing, max_n: int, refine: int,
                 log: list[dict], cameras_per_process: int = 1) -> None:
        self.cameras_per_process = cameras_per_process
        self.design, self.mix, self.clips, self.timing = design, mix, clips, timing
        self.max_n, self.refine, self.log = max_n, refine, log
        self.held, self.failed = 0, None
        self.first: StepResult | None = None  # the N = 1 step, for a fractional result
        self.mb_per_camera = 0.0
        self.limit_note = ""

    def step(self, n: int) -> StepResult | None:
        need = n * max(self.mb_per_camera, 150.0) * 1.2 + 1500
        if need > available_mb():
            self.limit_note = f"N={n} not run: needs ~{need:.0f} MB, {available_mb():.0f} MB available"
            print("   ", self.limit_note, flush=True)
            return None
        cams = [self.clips[k % len(self.clips)] for k in range(n)]
        result = run_step(self.design, self.mix, cams, self.timing, cameras_per_process=self.cameras_per_process)
        self.log.append(result.row())
        f = result.figures
        self.mb_per_camera = max(self.mb_per_camera, f.get("rss_mb_per_camera", 0.0) + f.get("detector_rss_mb", 0) / n)
        print(f"  {self.design:8} {self.mix:5} N={n:3d}  {'held' if result.held else 'FAILED':6} "
              f"lost {100 * result.drop_fraction:5.1f} %  cpu/cam {f.get('camera_cpu_pct_per_camera', '-')} %  "
              f"rss/cam {f.get('rss_mb_per_camera', '-')} MB pss/cam {f.get('pss_mb_per_camera', '-')} MB  runs/cam-s {f.get('model_runs_per_camera_s', '-')}  "
              f"load {result.load_1m[0]:.1f}->{result.load_1m[1]:.1f} {result.note}", flush=True)
        if n == 1:
            self.first = result
        if result.held:
            self.held = max(self.held, n)
        else:
            self.failed = n if self.failed is None else min(self.failed, n)
        return result

    def run(self) -> float:
        n = min(START_N[self.design], self.max_n)
        while True:
            if self.step(n) is None:
                break
            if self.failed is None:
                if n >= self.max_n:
                    break
                n = min(self.max_n, n * 2)
            elif self.held == 0 and n > 1:
                n = max(1, n // 2)
            else:
                break
        for _ in range(self.refine):
            if self.failed is None or self.failed - self.held <= max(1, self.held // 8):
                break
            if self.step((self.held + self.failed) // 2) is None:
                break
        if self.held == 0 and self.first is not None:
            return round(max(0.0, 1.0 - self.first.drop_fraction), 2)
        return float(self.held)


def prepare_clips(root: Path, cache: Path) -> dict[str, DualClip]:
    clips = {}
    for name, rel in CLIPS.items():
        started = time.monotonic()
        clips[name] = make_dual_clip(root / rel, cache, min_seconds=CLIP_SECONDS)
        print(f"clip {name:15} {clips[name].fps:5.1f} fps  {clips[name].seconds:5.0f} s  "
              f"({time.monotonic() - started:.0f} s to prepare)", flush=True)
    return clips


def summarise(max_n: dict[str, dict[str, float]], cores: int) -> dict[str, dict]:
    out = {}
    for mix, per in max_n.items():
        cpc = {d: round(v / cores, 2) for d, v in per.items()}
        row = {f"{d}_cameras_per_core": v for d, v in cpc.items()}
        row.update({f"{d}_max_n": v for d, v in per.items()})
        for base, key in (("naive", "ratio_vs_naive"), ("previous", "ratio_vs_previous")):
            if base in cpc and "engine" in cpc:
                row[key] = round(cpc["engine"] / cpc[base], 2) if cpc[base] else None
        out[mix] = row
    return out


def print_table(summary: dict[str, dict], quality: dict, rss: dict) -> None:
    print(f"\n{'mix':6} {'engine cam/core':>16} {'naive':>8} {'previous':>9} {'vs naive':>9} {'vs previous':>12}")
    for mix, row in summary.items():
        print(f"{mix:6} {row.get('engine_cameras_per_core', '-'):>16} {row.get('naive_cameras_per_core', '-'):>8} "
              f"{row.get('previous_cameras_per_core', '-'):>9} {row.get('ratio_vs_naive', '-'):>9} "
              f"{row.get('ratio_vs_previous', '-'):>12}")
    for clip, q in quality.items():
        print(f"quality {clip:11} MOTA {q.get('mota', float('nan')):.3f}  IDF1 {q.get('idf1', float('nan')):.3f}  "
              f"({q.get('frames', 0)} analysed frames)")
    print(f"memory per camera process: {rss}")


def main(doc: str) -> int:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--quick", action="store_true", help="shorter windows, one bisection step, N <= 32")
    parser.add_argument("--max-n", type=int, default=None, help="largest N tried (default 64, quick 32)")
    parser.add_argument("--mixes", default="mix,busy,quiet", help="comma-separated subset of mix,busy,quiet")
    parser.add_argument("--designs", default=",".join(DESIGNS), help="comma-separated subset of engine,naive,previous")
    parser.add_argument("--no-quality", action="store_true", help="skip the quality step")
    parser.add_argument("--cameras-per-process", type=int, default=WorkersConfig().cameras_per_process,
                        help="the engine's workers.cameras_per_process (default: the product's, "
                             f"{WorkersConfig().cameras_per_process}; naive and previous always run a process per camera)")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "out" / "clips",
                        help="where the 1080p/360p clips are kept between runs")
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    timing = Timing(5.0, 15.0) if args.quick else Timing()
    max_n = args.max_n or (32 if args.quick else 64)
    refine = 1 if args.quick else 2
    cores = os.cpu_count() or 1
    clips = prepare_clips(data, args.cache)
    started, load0 = time.time(), os.getloadavg()
    steps: list[dict] = []
    found: dict[str, dict[str, float]] = {}
    for mix in args.mixes.split(","):
        mix_clips = [clips[c] for c in MIXES[mix]]
        for design in args.designs.split(","):
            ramp = Ramp(design, mix, mix_clips, timing, max_n, refine, steps, args.cameras_per_process)
            found.setdefault(mix, {})[design] = ramp.run()
            if ramp.limit_note:
                found[mix][f"{design}_limit"] = ramp.limit_note  # type: ignore[assignment]
    summary = summarise({m: {d: v for d, v in per.items() if isinstance(v, float)} for m, per in found.items()}, cores)
    quality, rss = {}, {}
    if not args.no_quality and "engine" in args.designs and found.get("mix", {}).get("engine", 0) >= 1:
        n = int(found["mix"]["engine"])
        cams = [clips[c] for c in MIXES["mix"]]
        extra, outputs = quality_extra(data, args.cache, 300 if args.quick else None)
        result = run_step("engine", "mix", [cams[k % len(cams)] for k in range(n)], timing, extra=extra,
                          cameras_per_process=args.cameras_per_process)
        steps.append({**result.row(), "quality_step": True})
        quality = score_quality(data, args.cache, outputs())
        rss = {k: result.figures.get(k) for k in ("rss_mb_per_camera", "pss_mb_per_camera", "uss_mb_per_camera",
                                                  "detector_rss_mb", "detector_pss_mb")}
        rss["n"] = n
    print_table(summary, quality, rss)
    out = {**summary, "mota": {k: q.get("mota") for k, q in quality.items()},
           "idf1": {k: q.get("idf1") for k, q in quality.items()}, "quality": quality,
           "rss_mb_per_camera": rss.get("rss_mb_per_camera"), "pss_mb_per_camera": rss.get("pss_mb_per_camera"),
           "memory": rss, "limits": {m: {k: v for k, v in per.items() if isinstance(v, str)} for m, per in found.items()},
           "steps": steps,
           "machine": {"cores": cores, "load_avg_start": [round(x, 2) for x in load0],
                       "load_avg_end": [round(x, 2) for x in os.getloadavg()], "minutes": round((time.time() - started) / 60, 1)},
           "settings": {"quick": args.quick, "cameras_per_process": args.cameras_per_process, "max_n": max_n, "window_s": timing.window_s, "settle_s": timing.settle_s,
                        "engine_detect_fps": 5.0 if HAS_DETECT_FPS else "every_n_frames ~ 5 fps",
                        "previous": "today's workers: main stream at full rate, model per camera process"}}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0

