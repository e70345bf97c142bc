"""Detection + tracking on real footage, scored with motmetrics (CLEAR MOT, IDF1; IoU >= 0.5).

Clips (from VMS_TEST_DATA): PETS09-S2L1 and TUD-Campus (MOT15 person truth), and CDnet 2014
highway (car tracks built from its masks by bench/car_truth.py: cars that approach and grow).
Each clip is analysed twice: at the engine's default detect rate (DETECT_FPS, frames picked by
timestamp as a camera at that rate would get them, scored on those frames only) and at the
clip's full rate. Side by side in the same run, with the same detector and tracker:
- "pipeline": the product path, `DetectionPipeline` (motion -> planned crops -> model -> tracker);
- "full_frame": the naive baseline, model on the whole frame every analysed frame -> tracker.
PETS09 is also scored per half: the tracker's settings were chosen on the first half
(bench/track_tune.py), the second half is held out.

JSON (`--json`): per clip the pipeline's metrics at the detect rate at top level (`pets09.mota`,
`pets09.idf1`, `pets09.num_switches`, `pets09.num_fragmentations`, `pets09.switches_per_gt`,
`pets09.fragments_per_gt`, precision, recall, fps, model_runs_per_camera_second), the same under
`full_rate`, the baseline as `full_frame_<metric>` (detect rate) and `full_frame_full_rate`, PETS
halves under `first_half` / `second_half`.

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/detect_eval.py [--json PATH] [--limit N]
        [--detector nanodet|ssd_tflite] [--no-baseline] [--clips pets09,tud_campus,cdnet_highway]
        [--trackers new,legacy,legacy_thresholds] [--breakdown] [--cache DIR]

`--cache DIR` keeps every model answer (per frame content, window and detector settings) in
DIR, so re-runs that differ only in tracking or view policy replay them instead of running the
model again (the model runs counted are the same: the pipeline counts its requests).

`<clip>.breakdown` (and under `full_rate`) says where MOTA is lost: false-positive frames of
tracks that never match the truth vs of tracks off their truth box, misses in the first second
of each truth track vs later, id switches; `--breakdown` also prints them frame by frame.
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import json
import os
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import car_truth  # noqa: E402
from clips import read_frames  # noqa: E402
from mot_score import Truth, identity_breakdown, load_mot_gt, per_frame, score, track_breakdown  # noqa: E402

from detectors.frame import Frame  # noqa: E402
from detectors.objects.base import ObjectDetector  # noqa: E402
from detectors.looks import LookConfig  # noqa: E402
from detectors.objects.configs import NanoDetConfig, SsdTfliteConfig, default_detector  # noqa: E402
from detectors.objects.registry import build_detector  # noqa: E402
from detectors.pipeline import DetectionPipeline, PipelineConfig  # noqa: E402
from detectors.regions import RegionConfig  # noqa: E402
from detectors.tracking import ByteTracker, TrackerConfig  # noqa: E402
from legacy_tracker import LegacyTracker  # noqa: E402
from legacy_tracker import TrackerConfig as LegacyConfig  # noqa: E402
from detectors.types import ClassId, Detections  # noqa: E402

DETECT_FPS = 5.0  # the engine's default detect rate (issue 11)
PERSON = [int(ClassId.PERSON)]
VEHICLES = [int(ClassId.CAR), int(ClassId.TRUCK), int(ClassId.BUS)]
SUMMARY_KEYS = ["mota", "idf1", "precision", "recall", "num_switches", "num_fragmentations",
                "switches_per_gt", "fragments_per_gt", "num_unique_objects"]


class CachedDetector(ObjectDetector):
    """A detector whose answers are remembered on disk by (frame content, window, settings)."""

    def __init__(self, inner: ObjectDetector, settings: str, path: Path) -> None:
        self.inner, self.name, self.input_side = inner, inner.name, inner.input_side
        self.path = path
        self.tag = hashlib.sha1(settings.encode()).hexdigest()[:12]
        self.store: dict[str, tuple] = pickle.loads(path.read_bytes()) if path.exists() else {}
        self.misses = 0

    def detect(self, images):  # noqa: ANN001, ANN201 - ObjectDetector's
        return self.inner.detect(images)

    def detect_regions(self, frame_bgr: np.ndarray, regions: np.ndarray) -> Detections:
        regions = np.asarray(regions, np.int32)
        key = hashlib.sha1(frame_bgr[::5, ::5].tobytes() + regions.tobytes() + self.tag.encode()).hexdigest()
        if key not in self.store:
            self.misses += 1
            d = self.inner.detect_regions(frame_bgr, regions)
            self.store[key] = (d.xyxy, d.confidence, d.class_id)
        xyxy, conf, cls = self.store[key]
        return Detections(xyxy=xyxy.copy(), confidence=conf.copy(), class_id=cls.copy())

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(pickle.dumps(self.store))


def _legacy_with_new_thresholds(config: PipelineConfig) -> LegacyTracker:
    cfg = config.tracker.for_detector(config.detector.type)
    return LegacyTracker(LegacyConfig(high_threshold=cfg.high_threshold, new_track_threshold=cfg.new_track_threshold))


# Trackers compared side by side (`--trackers`): the product's, and the one main had before the
# tracking package (bench/legacy_tracker.py) as it was (0.5/0.6) and with the new thresholds.
TRACKERS = {
    "new": lambda config: ByteTracker(config.tracker, config.detector.type),
    "legacy": lambda config: LegacyTracker(),
    "legacy_thresholds": _legacy_with_new_thresholds,
}


@dataclass
class Clip:
    frames: list[np.ndarray]
    fps: float
    truth: Truth
    halves: bool = False


def load_mot_clip(root: Path, limit: int | None) -> Clip:
    """A MOT15-style folder: seqinfo.ini (frame rate), gt.txt (or gt/gt.txt), one video."""
    ini = configparser.ConfigParser()
    ini.read(root / "seqinfo.ini")
    fps = float(ini["Sequence"]["frameRate"])
    video = next(p for p in sorted(root.iterdir()) if p.suffix in {".mp4", ".avi", ".mkv"})
    gt = root / "gt.txt" if (root / "gt.txt").exists() else root / "gt" / "gt.txt"
    return Clip(read_frames(video, limit), fps, Truth(load_mot_gt(gt), PERSON))


def load_highway(root: Path, limit: int | None) -> Clip:
    """CDnet highway (30 fps) with the car tracks of bench/car_truth.py (frames 470-1700)."""
    built = car_truth.build(root)
    xyxy = {f: (ids, boxes) for f, (ids, boxes, _) in built.frames.items()}
    truth = Truth(xyxy, VEHICLES, built.ignore(), (built.first, built.last))
    return Clip(read_frames(root / "highway_input_h264.mp4", limit), 30.0, truth)


CLIP_DIRS = {"pets09": "pets09_s2l1", "tud_campus": "mot15_tud_campus", "cdnet_highway": "cdnet_highway"}


def load_clip(name: str, data: Path, limit: int | None = None) -> Clip:
    """A shared clip with truth by name (CLIP_DIRS), from the VMS_TEST_DATA folder `data`."""
    root = data / CLIP_DIRS[name]
    return load_highway(root, limit) if name == "cdnet_highway" else load_mot_clip(root, limit)


def crop_16x9(clip: Clip) -> Clip:
    """The clip's central 16:9 band (most sub streams are 16:9; no shared clip with truth is): frames
    cut to height = width * 9 / 16, truth shifted; a truth box with less than half of its area left
    becomes an ignore region (neither a miss nor a false positive), the others are clipped."""
    h, w = clip.frames[0].shape[:2]
    band = int(round(w * 9 / 16))
    y0 = (h - band) // 2
    frames = [f[y0:y0 + band] for f in clip.frames]
    boxes, ignore = {}, {k: v - [0, y0, 0, y0] for k, v in clip.truth.ignore.items()}
    for f, (ids, xyxy) in clip.truth.boxes.items():
        moved = np.asarray(xyxy, np.float64) - [0, y0, 0, y0]
        cut = np.clip(moved, 0, [w, band, w, band])
        area = lambda b: np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)  # noqa: E731
        kept = area(cut) >= 0.5 * np.maximum(area(moved), 1e-6)
        boxes[f] = (np.asarray(ids)[kept], cut[kept])
        lost = cut[~kept & (area(cut) > 0)]
        if len(lost):
            ignore[f] = np.concatenate([ignore[f], lost]) if f in ignore else lost
    return Clip(frames, clip.fps, Truth(boxes, clip.truth.classes, ignore, clip.truth.frames), clip.halves)


def select_at_fps(n: int, fps: float, rate: float | None) -> list[int]:
    """Indices of the frames a camera analysing at `rate` would take from an `fps` stream: the
    first frame at or after each 1/rate tick (no catch-up bursts); all frames when rate is None
    or not below fps."""
    if rate is None or rate >= fps:
        return list(range(n))
    out, due = [], 0.0
    for i in range(n):
        t = i / fps
        if t + 1e-6 >= due:
            out.append(i)
            due = max(due + 1.0 / rate, t)
    return out


def _frame(bgr: np.ndarray, ts: float) -> Frame:
    return Frame("bench", ts, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), bgr_source=lambda b=bgr: b)


def run_pipeline(clip: Clip, idx: list[int], detector: ObjectDetector, config: PipelineConfig,
                 tracker: str = "new") -> tuple[dict[int, Detections], dict]:
    """The product path over the frames `idx`; returns {frame number: tracks} and speed."""
    pipe = DetectionPipeline(config, detector=detector)
    pipe.tracker = TRACKERS[tracker](config)
    out, elapsed = {}, 0.0
    for i in idx:
        t0 = time.perf_counter()
        res = pipe.step(_frame(clip.frames[i], i / clip.fps))
        elapsed += time.perf_counter() - t0
        out[i + 1] = res.tracks
    return out, {"fps": len(idx) / max(elapsed, 1e-9),
                 "model_runs_per_camera_second": pipe.model_runs_per_camera_second}


def run_full_frame(clip: Clip, idx: list[int], detector: ObjectDetector, config: PipelineConfig,
                   tracker: str = "new") -> tuple[dict[int, Detections], dict]:
    """Baseline: the model on the whole frame for every analysed frame, then the same tracker."""
    trk = TRACKERS[tracker](config)
    out, elapsed = {}, 0.0
    for i in idx:
        t0 = time.perf_counter()
        bgr = clip.frames[i]
        h, w = bgr.shape[:2]
        frame = _frame(bgr, i / clip.fps)
        out[i + 1] = trk.update(detector.detect_regions(bgr, np.array([[0, 0, w, h]])), frame.ts, frame)
        elapsed += time.perf_counter() - t0
    span = (idx[-1] - idx[0] + 1) / clip.fps if idx else 1.0
    return out, {"fps": len(idx) / max(elapsed, 1e-9), "model_runs_per_camera_second": len(idx) / span}


def _print_per_frame(rows: list[dict[str, int]], rate: float | None) -> None:
    print(f"\n  per frame at {'full rate' if rate is None else f'{rate:g} fps'}: frame gt tp fn fp idsw")
    for r in rows:
        print(f"  {r['frame']:5d} {r['gt']:3d} {r['tp']:3d} {r['fn']:3d} {r['fp']:3d} {r['idsw']:3d}")


def _print_identity(rows: list[dict[str, float]], rate: float | None) -> None:
    print(f"\n  per truth track at {'full rate' if rate is None else f'{rate:g} fps'}: "
          "gt frames matched ids longest_id switches fragments shared_ids")
    for r in rows:
        print("  " + " ".join(f"{r[k]:5.0f}" for k in ("gt", "frames", "matched", "ids", "longest_id", "switches",
                                                        "fragments", "shared_ids")))


def evaluate(clip: Clip, detector: ObjectDetector, config: PipelineConfig, rate: float | None,
             baseline: bool, tracker: str = "new", breakdown: bool = False) -> dict:
    """Pipeline (+ baseline) metrics at one analysis rate."""
    idx = select_at_fps(len(clip.frames), clip.fps, rate)
    tracks, speed = run_pipeline(clip, idx, detector, config, tracker)
    row = {**score(tracks, clip.truth), **speed, "analysed_frames": float(len(idx)),
           "breakdown": track_breakdown(tracks, clip.truth, clip.fps),
           "identity": identity_breakdown(tracks, clip.truth)}
    if breakdown:
        _print_per_frame(per_frame(tracks, clip.truth), rate)
        _print_identity(row["identity"], rate)
    if clip.halves:
        n = len(clip.frames)
        row["first_half"] = score(tracks, clip.truth, set(range(1, n // 2 + 1)))
        row["second_half"] = score(tracks, clip.truth, set(range(n // 2 + 1, n + 1)))
    if baseline:
        base_tracks, base_speed = run_full_frame(clip, idx, detector, config, tracker)
        row["full_frame"] = {**score(base_tracks, clip.truth), **base_speed}
    return row


def clip_results(clip: Clip, detector: ObjectDetector, config: PipelineConfig, detect_fps: float,
                 baseline: bool, tracker: str = "new", breakdown: bool = False) -> dict:
    at_rate = evaluate(clip, detector, config, detect_fps, baseline, tracker, breakdown)
    full = evaluate(clip, detector, config, None, baseline, tracker, breakdown)
    out = {k: v for k, v in at_rate.items() if k not in ("full_frame", "first_half", "second_half")}
    out["detect_fps"] = min(detect_fps, clip.fps)
    out["full_rate"] = {k: v for k, v in full.items() if k != "full_frame"}
    for half in ("first_half", "second_half"):
        if half in at_rate:
            out[half] = {"detect_fps": at_rate[half], "full_rate": full[half]}
    if baseline:
        out.update({f"full_frame_{k}": v for k, v in at_rate["full_frame"].items()})
        out["full_frame_full_rate"] = full["full_frame"]
    return out


def _print(results: dict, detector: str) -> None:
    for name, row in results.items():
        print(f"\n[{name}]  detector={detector}  (pipeline at {row['detect_fps']:g} fps | full rate"
              + (" | full-frame baseline at detect fps)" if "full_frame_mota" in row else ")"))
        for k in SUMMARY_KEYS + ["fps", "model_runs_per_camera_second"]:
            vals = [row[k], row["full_rate"][k]] + ([row[f"full_frame_{k}"]] if "full_frame_mota" in row else [])
            print(f"  {k:32s} " + "  ".join(f"{v:8.3f}" for v in vals))
        for label, b in (("breakdown", row["breakdown"]), ("  full rate", row["full_rate"]["breakdown"])):
            print(f"  {label:12s} " + "  ".join(f"{k} {v:.0f}" for k, v in b.items()))
        for half in ("first_half", "second_half"):
            if half in row:
                h = row[half]
                print(f"  {half:12s} MOTA {h['detect_fps']['mota']:.3f} / {h['full_rate']['mota']:.3f}  "
                      f"IDF1 {h['detect_fps']['idf1']:.3f} / {h['full_rate']['idf1']:.3f}")


COMPARE_KEYS = ["mota", "idf1", "num_switches", "num_fragmentations", "switches_per_gt", "fragments_per_gt",
                "num_unique_objects"]


def _print_compare(results: dict, trackers: list[str]) -> None:
    """One table per clip: tracker x path x rate."""
    for name, row in results.items():
        print(f"\n[{name}] trackers side by side")
        print(f"  {'tracker':18s} {'path':10s} {'rate':>6s} " + " ".join(f"{k[:10]:>10s}" for k in COMPARE_KEYS))
        for t in trackers:
            r = row if t == row["tracker"] else row["trackers"][t]
            cells = [("pipeline", f"{r['detect_fps']:g}", r), ("pipeline", "full", r["full_rate"])]
            if "full_frame_mota" in r:
                cells += [("full_frame", f"{r['detect_fps']:g}", {k: r[f"full_frame_{k}"] for k in COMPARE_KEYS}),
                          ("full_frame", "full", r["full_frame_full_rate"])]
            for path, rate, m in cells:
                print(f"  {t:18s} {path:10s} {rate:>6s} " + " ".join(f"{m[k]:10.3f}" for k in COMPARE_KEYS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--limit", type=int, default=None, help="frames per clip (quick runs)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the full-frame baseline")
    parser.add_argument("--detector", default=None, choices=["nanodet", "ssd_tflite"],
                        help="offline detector backend (default: the product default)")
    parser.add_argument("--score-threshold", type=float, default=None, help="override the detector's")
    parser.add_argument("--detector-config", default=None,
                        help="more detector settings as YAML, e.g. '{letterbox: true}' (NanoDetConfig fields)")
    parser.add_argument("--tracker-high", type=float, default=None, help="override the tracker's high threshold")
    parser.add_argument("--tracker", default=None,
                        help="tracker settings as YAML, e.g. '{max_appearance: 0.8}' (TrackerConfig fields)")
    parser.add_argument("--detect-fps", type=float, default=DETECT_FPS, help="analysis rate of the first pass")
    parser.add_argument("--clips", default="pets09,tud_campus,cdnet_highway", help="comma-separated subset")
    parser.add_argument("--regions", default=None,
                        help="region planner settings as YAML, e.g. '{full_frame_area: 0.001}' (= the whole frame "
                             "whenever anything moves or is tracked); default: the product's")
    parser.add_argument("--breakdown", action="store_true",
                        help="print the product path's per-frame gt/tp/fn/fp/idsw table of every clip and rate")
    parser.add_argument("--looks", default=None,
                        help="when the model runs (detectors.looks.LookConfig) as YAML, e.g. '{track_look_s: 0, "
                             "full_look_s: 0}' (= every analysed frame with motion or tracks); default: the product's")
    parser.add_argument("--trackers", default="new",
                        help=f"comma-separated, side by side in one run ({', '.join(TRACKERS)}); the first "
                             "gives the top-level keys, the others go under <clip>.trackers.<name>")
    parser.add_argument("--crop-16x9", action="store_true",
                        help="score every clip's central 16:9 band instead (what a 16:9 sub stream shows)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="remember model answers in this folder (re-runs replay them)")
    args = parser.parse_args()
    trackers = args.trackers.split(",")
    if unknown := set(trackers) - set(TRACKERS):
        parser.error(f"unknown tracker(s): {', '.join(sorted(unknown))}")
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    kind = {"nanodet": NanoDetConfig, "ssd_tflite": SsdTfliteConfig}.get(args.detector or "", type(default_detector()))
    extra = yaml.safe_load(args.detector_config) if args.detector_config else {}
    if args.score_threshold is not None:
        extra["score_threshold"] = args.score_threshold
    det_cfg = kind(**extra)
    tracker_fields = yaml.safe_load(args.tracker) if args.tracker else {}
    if args.tracker_high is not None:
        tracker_fields["high_threshold"] = args.tracker_high
    tracker = TrackerConfig(**tracker_fields)
    regions = RegionConfig.model_validate(yaml.safe_load(args.regions)) if args.regions else RegionConfig()
    looks = LookConfig.model_validate(yaml.safe_load(args.looks)) if args.looks else LookConfig()
    config = PipelineConfig(detector=det_cfg, tracker=tracker, regions=regions, looks=looks)
    detector = build_detector(det_cfg)
    if args.cache:
        detector = CachedDetector(detector, det_cfg.model_dump_json(), args.cache / f"{det_cfg.type}.pkl")
    results: dict[str, dict] = {}
    for name in args.clips.split(","):
        clip = load_clip(name, data, args.limit)
        clip.halves = name == "pets09"
        if args.crop_16x9:
            clip = crop_16x9(clip)
        first, *others = trackers
        results[name] = clip_results(clip, detector, config, args.detect_fps, not args.no_baseline, first,
                                     args.breakdown)
        results[name]["tracker"] = first
        if others:
            results[name]["trackers"] = {
                t: clip_results(clip, detector, config, args.detect_fps, not args.no_baseline, t) for t in others}
        del clip
    if isinstance(detector, CachedDetector):
        detector.save()
        print(f"cache: {detector.misses} model answers computed, {len(detector.store)} stored")
    _print(results, det_cfg.type)
    if len(trackers) > 1:
        _print_compare(results, trackers)
    # Timings depend on what else runs on the machine: record the load next to them.
    results["machine"] = {"cpu_count": float(os.cpu_count() or 0), "load_avg_1m": os.getloadavg()[0]}
    results["config"] = {"detector": det_cfg.type, "crop_16x9": args.crop_16x9, "detect_fps": args.detect_fps,
                         "tracker": tracker.for_detector(det_cfg.type).model_dump(), "regions": regions.model_dump(),
                         "looks": looks.model_dump()}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
