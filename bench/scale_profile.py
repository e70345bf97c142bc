"""Where one engine camera's CPU goes, stage by stage, on the scale bench's clips (issue 11).

    VMS_TEST_DATA=/work/shared/data python bench/scale_profile.py [--seconds 60] [--mixes mix] [--json PATH]
        [--pipeline YAML]

Each clip of the mix is run as `bench/scale.py` runs an engine camera: its 640x360 sub stream
(`bench/dual_source.py`, the same cached files) decoded by the engine's `FrameDecoder` at the
detect fps, then `CameraAnalysis` (motion -> model -> tracker -> attributes -> rules), all in
this one process, single-threaded (decoder threads 1, model threads 1), so process CPU time per
stage is what the stage costs. The model runs in-process here; in the engine it runs in the
detector service and the camera pays the IPC instead: the frame written to its shared-memory
ring plus one request/answer over a Unix socket, measured here on the same frames
(`vms.runtime.frame_ring` + a `multiprocessing.connection` pair).

Figures are CPU milliseconds per camera-second of video (so 1000 = one full core per camera)
and what that means for cameras per core; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from multiprocessing.connection import Pipe
from pathlib import Path

import av
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dual_source import make_dual_clip  # noqa: E402
from scale_ramp import CLIPS, MIXES  # noqa: E402

from camera_drivers.frames import FrameDecoder, FrameOptions  # noqa: E402
from detectors.analysis import CameraAnalysis  # noqa: E402
from detectors.objects import build_detector  # noqa: E402
from detectors.pipeline import PipelineConfig  # noqa: E402
from detectors.rules import default_rules  # noqa: E402
from vms.runtime.frame_ring import RingReader, RingWriter  # noqa: E402

DETECT_FPS = 5.0
STAGES = ["decode", "motion", "bgr", "model", "ipc", "tracker", "attributes", "rules", "other"]


class Clock:
    """Accumulates process CPU seconds per stage."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)

    def wrap(self, stage: str, fn):  # type: ignore[no-untyped-def]
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.cpu[stage] += time.process_time() - t0
        return timed


def profile_clip(sub: Path, seconds: float, pipeline: PipelineConfig) -> dict:
    clock = Clock()
    config = pipeline.model_copy(update={"detector": pipeline.detector.model_copy(update={"threads": 1})})
    analysis = CameraAnalysis(config, default_rules())
    p = analysis.pipeline
    p.motion.detect = clock.wrap("motion", p.motion.detect)
    p.tracker.update = clock.wrap("tracker", p.tracker.update)
    p.attributes.update = clock.wrap("attributes", p.attributes.update)
    analysis.engine.update = clock.wrap("rules", analysis.engine.update)
    detector = p.detector
    model_call = clock.wrap("model", detector.detect_regions)
    writer, reader = RingWriter("profile"), RingReader()
    here, there = Pipe()

    def detect_frame(frame, regions=None):  # type: ignore[no-untyped-def]
        t0 = time.process_time()
        image = frame.bgr()
        clock.cpu["bgr"] += time.process_time() - t0
        t0 = time.process_time()  # what the engine's camera + service pay to move the frame
        name, slot, seq = writer.write(image)
        here.send({"id": seq, "ring": name, "slot": slot, "seq": seq, "regions": regions.tolist()})
        message = there.recv()
        moved = reader.read(message["ring"], message["slot"], message["seq"])
        clock.cpu["ipc"] += time.process_time() - t0
        found = model_call(moved, regions)
        t0 = time.process_time()
        there.send({"id": seq, "boxes": found.xyxy.tolist(), "scores": found.confidence.tolist(),
                    "classes": found.class_id.tolist()})
        here.recv()
        clock.cpu["ipc"] += time.process_time() - t0
        return found

    detector.detect_frame = detect_frame  # type: ignore[method-assign]
    frames = analysed = 0
    t_start = time.process_time()
    with av.open(str(sub)) as container:
        stream = container.streams.video[0]
        decoder = FrameDecoder(stream, "profile", FrameOptions(detect_fps=DETECT_FPS, threads=1))
        rate = float(stream.average_rate or 25)
        limit = int(seconds * rate)
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            t0 = time.process_time()
            kept = decoder.decode(packet, 1.7e9 + float(packet.pts * stream.time_base))
            clock.cpu["decode"] += time.process_time() - t0
            for frame in kept:
                analysis.step(frame)
                analysed += 1
            frames += 1
            if frames >= limit:
                break
    total = time.process_time() - t_start
    writer.close()
    reader.close()
    video_s = frames / rate
    clock.cpu["other"] = max(0.0, total - sum(clock.cpu.values()))
    ms = {stage: round(1000 * clock.cpu.get(stage, 0.0) / video_s, 1) for stage in STAGES}
    camera_ms = sum(v for k, v in ms.items() if k != "model")
    return {"video_s": round(video_s, 1), "fps": rate, "analysed_fps": round(analysed / video_s, 2),
            "model_runs_per_s": round(analysis.model_runs / video_s, 2), "ms_per_camera_s": ms,
            "looks": dict(sorted(p.looks.counts.items())),
            "camera_process_ms": round(camera_ms, 1), "total_ms": round(camera_ms + ms["model"], 1),
            "cameras_per_core": round(1000 / max(1e-6, camera_ms + ms["model"]), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of each clip")
    parser.add_argument("--mixes", default="mix", help="comma-separated subset of mix,busy,quiet")
    parser.add_argument("--pipeline", default=None, help="YAML/JSON overrides of the camera's detection pipeline")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "out" / "clips")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    root = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    pipeline = PipelineConfig.model_validate(yaml.safe_load(args.pipeline) or {}) if args.pipeline else PipelineConfig()
    build_detector(pipeline.detector)  # model load / compile outside the figures
    out: dict = {"detect_fps": DETECT_FPS, "pipeline": args.pipeline, "load_1m_start": os.getloadavg()[0]}
    for mix in args.mixes.split(","):
        rows = {}
        for name in MIXES[mix]:
            clip = make_dual_clip(root / CLIPS[name], args.cache, min_seconds=180.0)
            rows[name] = profile_clip(clip.sub, args.seconds, pipeline)
            r = rows[name]
            print(f"{mix:5} {name:15} runs/s {r['model_runs_per_s']:5}  " +
                  "  ".join(f"{k} {v}" for k, v in r["ms_per_camera_s"].items()) +
                  f"  = {r['total_ms']} ms/cam-s ({r['cameras_per_core']} cam/core)  looks {r['looks']}", flush=True)
        mean = {stage: round(sum(r["ms_per_camera_s"][stage] for r in rows.values()) / len(rows), 1) for stage in STAGES}
        total = sum(mean.values())
        out[mix] = {"clips": rows, "mean_ms_per_camera_s": mean, "mean_total_ms": round(total, 1),
                    "cameras_per_core": round(1000 / max(1e-6, total), 1),
                    "model_runs_per_s": round(sum(r["model_runs_per_s"] for r in rows.values()) / len(rows), 2)}
        print(f"{mix:5} MEAN ms/camera-s: " + "  ".join(f"{k} {v}" for k, v in mean.items()) +
              f"  = {total:.1f} ({out[mix]['cameras_per_core']} cam/core)", flush=True)
    out["load_1m_end"] = os.getloadavg()[0]
    print(f"load average (1 min): {out['load_1m_start']:.1f} at start, {out['load_1m_end']:.1f} at end")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
