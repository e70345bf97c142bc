"""Detection + tracking on real footage, scored with motmetrics (CLEAR MOT, IDF1; IoU >= 0.5).

Side by side in one run, with the same offline detector (`ssd_tflite`) and tracker:
- "pipeline": the product path, motion -> planned crops -> model -> tracker;
- "full_frame": the naive baseline, model on the whole frame every frame -> tracker.
Also frames per second of the full path (decode excluded, BGR conversion included) and model
runs per camera-second.

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/detect_eval.py [--json PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import sys
import time
from pathlib import Path

import cv2
import motmetrics as mm
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clips import read_frames

from detectors.frame import Frame
from detectors.objects.base import ObjectDetector
from detectors.objects.configs import NanoDetConfig, SsdTfliteConfig
from detectors.objects.registry import build_detector
from detectors.pipeline import DetectionPipeline, PipelineConfig
from detectors.tracking import ByteTracker, TrackerConfig
from detectors.types import ClassId, Detections, box_iou

PIPELINE = PipelineConfig()  # --tracker-high replaces it
CLIPS = {
    "pets09": ("pets09_s2l1", "pets09_s2l1_view001_h264.mp4"),
    "tud_campus": ("mot15_tud_campus", "TUD-Campus.mp4"),
}


def load_clip(root: Path, limit: int | None) -> tuple[list[np.ndarray], float]:
    """Decode a clip to BGR frames; fps from the MOT seqinfo.ini."""
    ini = configparser.ConfigParser()
    ini.read(root / "seqinfo.ini")
    fps = float(ini["Sequence"]["frameRate"])
    video = next(p for p in root.iterdir() if p.suffix in {".mp4", ".avi"})
    return read_frames(video, limit), fps


def load_gt(path: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """MOT gt.txt -> {frame: (ids (n,), xywh (n, 4))}."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    rows = rows[rows[:, 6] != 0]  # conf 0 = ignore in MOT
    return {
        int(f): (rows[rows[:, 0] == f, 1].astype(int), rows[rows[:, 0] == f, 2:6])
        for f in np.unique(rows[:, 0])
    }


def run_pipeline(
    frames: list[np.ndarray], fps: float, detector: ObjectDetector
) -> tuple[list[Detections], dict]:
    pipe = DetectionPipeline(PIPELINE, detector=detector)
    out, elapsed = [], 0.0
    for i, bgr in enumerate(frames):
        t0 = time.perf_counter()
        y = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        res = pipe.step(Frame("bench", i / fps, y, bgr_source=lambda b=bgr: b))
        elapsed += time.perf_counter() - t0
        out.append(res.tracks)
    return out, {
        "fps": len(frames) / elapsed,
        "model_runs_per_camera_second": pipe.model_runs_per_camera_second,
    }


def run_full_frame(
    frames: list[np.ndarray], fps: float, detector: ObjectDetector
) -> tuple[list[Detections], dict]:
    tracker = ByteTracker()
    out, elapsed = [], 0.0
    for bgr in frames:
        t0 = time.perf_counter()
        h, w = bgr.shape[:2]
        dets = detector.detect_regions(bgr, np.array([[0, 0, w, h]]))
        out.append(tracker.update(dets))
        elapsed += time.perf_counter() - t0
    return out, {"fps": len(frames) / elapsed, "model_runs_per_camera_second": fps}


def score(tracks: list[Detections], gt: dict[int, tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """motmetrics over persons only (the GT has only pedestrians)."""
    acc = mm.MOTAccumulator(auto_id=True)
    for idx, dets in enumerate(tracks, start=1):
        dets = dets[dets.class_id == int(ClassId.PERSON)]
        gid, gbox = gt.get(idx, (np.zeros(0, int), np.zeros((0, 4))))
        gxyxy = np.concatenate([gbox[:, :2], gbox[:, :2] + gbox[:, 2:]], axis=1)
        # motmetrics 1.4's iou_matrix uses np.asfarray (gone in NumPy 2): same rule by hand,
        # distance 1 - IoU, no match (NaN) below IoU 0.5.
        iou = box_iou(gxyxy, dets.xyxy)
        dist = np.where(iou >= 0.5, 1.0 - iou, np.nan)
        acc.update(gid.tolist(), dets.tracker_id.tolist(), dist)
    summary = mm.metrics.create().compute(
        acc, metrics=["mota", "idf1", "precision", "recall", "num_switches"], name="x"
    )
    return {k: float(summary[k].iloc[0]) for k in summary.columns}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--limit", type=int, default=None, help="frames per clip (quick runs)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the full-frame baseline")
    parser.add_argument("--score-threshold", type=float, default=None, help="override the detector's")
    parser.add_argument("--detector", default="ssd_tflite", choices=["ssd_tflite", "nanodet"],
                        help="offline detector backend (default: the SSD these results were first measured with)")
    parser.add_argument("--tracker-high", type=float, default=None, help="override the tracker's high threshold")
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    kind = NanoDetConfig if args.detector == "nanodet" else SsdTfliteConfig
    cfg = kind() if args.score_threshold is None else kind(score_threshold=args.score_threshold)
    if args.tracker_high is not None:
        global PIPELINE
        PIPELINE = PipelineConfig(tracker=TrackerConfig(high_threshold=args.tracker_high))
    detector = build_detector(cfg)
    results: dict[str, dict[str, float]] = {}
    for key, (folder, _) in CLIPS.items():
        root = data / folder
        frames, fps = load_clip(root, args.limit)
        gt = load_gt(root / "gt.txt")
        tracks, speed = run_pipeline(frames, fps, detector)
        row = {**score(tracks, gt), **speed}
        if not args.no_baseline:
            base_tracks, base_speed = run_full_frame(frames, fps, detector)
            base = {**score(base_tracks, gt), **base_speed}
            row.update({f"full_frame_{k}": v for k, v in base.items()})
        results[key] = row
    for section, row in results.items():
        print(f"\n[{section}]  detector={args.detector}")
        for k, v in row.items():
            print(f"  {k:40s} {v:8.3f}")
    # Timings depend on what else runs on the machine: record the load next to them.
    results["machine"] = {"cpu_count": float(os.cpu_count() or 0), "load_avg_1m": os.getloadavg()[0]}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
