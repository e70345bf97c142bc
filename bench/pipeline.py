"""Cameras per core for the full live pipeline on real clips, next to a naive baseline.

    VMS_TEST_DATA=/path/to/data python bench/pipeline.py --json bench/pipeline.json [--frames 300]

Per clip, both run single-threaded (detector threads = 1) on the same decoded frames:
- **pipeline**: decode -> motion -> regions from motion and live tracks -> offline SSD on those
  crops only -> tracker -> rules (hit-and-run, tamper);
- **naive**: decode -> SSD on every whole frame -> tracker -> rules.
CPU seconds (process time) per second of video give "cameras per core" = video s / CPU s at the
clip's native frame rate. Model runs per camera-second show where the saving comes from.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from camera_drivers.frames import FrameOptions, file_frames  # noqa: E402
from detectors.analysis import CameraAnalysis  # noqa: E402
from detectors.frame import Frame  # noqa: E402
from detectors.objects import ObjectDetector, build_detector  # noqa: E402
from detectors.objects.configs import SsdTfliteConfig  # noqa: E402
from detectors.pipeline import PipelineConfig  # noqa: E402
from detectors.rules import RuleEngine, default_rules  # noqa: E402
from detectors.tracking import ByteTracker  # noqa: E402

CLIPS = ["pets09_s2l1/pets09_s2l1_view001_h264.mp4", "cdnet_highway/highway_input_h264.mp4",
         "intel_sample_videos/car-detection.mp4", "intel_sample_videos/one-by-one-person-detection.mp4",
         "bgslibrary/video02.avi"]


def decode(path: Path, limit: int) -> tuple[list[Frame], float, float]:
    """First `limit` frames as Frames (BGR decoded lazily); returns (frames, fps, decode CPU s)."""
    t0 = time.process_time()
    frames = list(file_frames(path, "bench", FrameOptions(threads=1), max_frames=limit))[:limit]
    for frame in frames:
        frame.bgr()  # both designs need BGR: converting it counts as decoding
    fps = (len(frames) - 1) / (frames[-1].ts - frames[0].ts) if len(frames) > 1 else 25.0
    return frames, fps, time.process_time() - t0


def run_pipeline(frames: list[Frame], detector: ObjectDetector) -> tuple[float, int]:
    analysis = CameraAnalysis(PipelineConfig(), default_rules(), detector=detector)
    t0 = time.process_time()
    for f in frames:
        analysis.step(f)
    return time.process_time() - t0, analysis.model_runs


def run_naive(frames: list[Frame], detector: ObjectDetector) -> tuple[float, int]:
    tracker = ByteTracker()
    engine = RuleEngine(default_rules())
    t0 = time.process_time()
    for f in frames:
        engine.update(f, tracker.update(detector.detect_frame(f)))  # the whole frame, every frame
    return time.process_time() - t0, len(frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--frames", type=int, default=300, help="frames per clip")
    args = parser.parse_args()
    root = Path(os.environ.get("VMS_TEST_DATA", ""))
    rows = []
    detector = build_detector(SsdTfliteConfig(threads=1))  # one instance, shared by both designs
    for rel in CLIPS:
        path = root / rel
        if not path.is_file():
            continue
        frames, fps, decode_s = decode(path, args.frames)
        video_s = len(frames) / fps
        pipe_s, pipe_runs = run_pipeline(frames, detector)
        naive_s, naive_runs = run_naive(frames, detector)
        rows.append({"clip": rel, "size": f"{frames[0].width}x{frames[0].height}", "fps": round(fps, 1),
                     "video_s": round(video_s, 1), "decode_cpu_s": round(decode_s, 2),
                     "pipeline_cpu_s": round(pipe_s, 2), "naive_cpu_s": round(naive_s, 2),
                     "pipeline_model_runs_per_s": round(pipe_runs / video_s, 2),
                     "naive_model_runs_per_s": round(naive_runs / video_s, 2),
                     "pipeline_cameras_per_core": round(video_s / (pipe_s + decode_s), 2),
                     "naive_cameras_per_core": round(video_s / (naive_s + decode_s), 2)})
        r = rows[-1]
        print(f"{rel:55} {r['size']:>9} {r['fps']:>5} fps  pipeline {r['pipeline_cameras_per_core']:>5} cam/core "
              f"({r['pipeline_model_runs_per_s']} runs/s)   naive {r['naive_cameras_per_core']:>5} cam/core "
              f"({r['naive_model_runs_per_s']} runs/s)", flush=True)
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.1f} (other jobs share these 2 cores)")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load_avg_1m": round(load, 2), "detector": "ssd_tflite",
                                         "threads": 1}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
