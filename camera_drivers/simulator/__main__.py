"""Command line for scene authors: preview a scene as MP4, dump ground truth, take a snapshot.

    python -m camera_drivers.simulator preview street_day --out /tmp/street.mp4 --seconds 20 --boxes
    python -m camera_drivers.simulator gt hit_and_run_demo --out /tmp/gt.jsonl
    python -m camera_drivers.simulator snapshot street_night --t 40 --out /tmp/night.png
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import av
import cv2
import numpy as np

from camera_drivers.simulator.renderer import SceneRenderer
from camera_drivers.simulator.script import SceneError, load_scene
from camera_drivers.simulator.truth import GroundTruth, ground_truth_track, incidents


def overlay(frame: np.ndarray, gt: GroundTruth) -> np.ndarray:
    """Copy of frame (H, W, 3) uint8 BGR with ground-truth boxes and labels drawn on it."""
    out = frame.copy()
    for box, actor, cls, fallen in zip(gt.xyxy.astype(int), gt.actor_id, gt.class_name, gt.fallen):
        color = (0, 0, 255) if fallen else (0, 255, 0)
        cv2.rectangle(out, (int(box[0]), int(box[1])), (int(box[2]), int(box[3])), color, 1)
        cv2.putText(out, f"{cls[:4]} {actor}", (int(box[0]), int(box[1]) - 2), cv2.FONT_HERSHEY_PLAIN, 0.7,
                    color, 1)
    label = f"t={gt.t:6.2f}s " + " ".join(gt.incidents + gt.tamper)
    cv2.putText(out, label, (4, out.shape[0] - 6), cv2.FONT_HERSHEY_PLAIN, 1.0, (0, 255, 255), 1)
    return out


def _preview(args: argparse.Namespace) -> None:
    script = load_scene(args.scene)
    renderer = SceneRenderer(script)
    seconds = args.seconds if args.seconds is not None else script.duration_s
    with av.open(str(args.out), mode="w") as container:
        stream = container.add_stream("libx264", rate=round(script.fps), options={"preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = script.width, script.height, "yuv420p"
        for k in range(int(seconds * script.fps)):
            t = args.start + k / script.fps
            frame = renderer.frame_at(t)
            if args.boxes:
                frame = overlay(frame, renderer.objects_at(t))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    print(f"wrote {args.out}")


def _gt(args: argparse.Namespace) -> None:
    script = load_scene(args.scene)
    with open(args.out, "w", encoding="utf-8") as fh:
        header = {"scene": script.name, "fps": script.fps, "width": script.width, "height": script.height,
                  "duration_s": script.duration_s, "incidents": [dataclasses.asdict(i) for i in incidents(script)]}
        fh.write(json.dumps(header) + "\n")
        fh.writelines(_gt_line(gt) for gt in ground_truth_track(script, args.t0, args.t1))
    print(f"wrote {args.out}")


def _gt_line(gt: GroundTruth) -> str:
    return json.dumps({"frame": gt.frame_index, "t": round(gt.t, 4), "objects": gt.to_records(),
                       "tamper": list(gt.tamper), "incidents": list(gt.incidents)}) + "\n"


def _snapshot(args: argparse.Namespace) -> None:
    renderer = SceneRenderer(load_scene(args.scene))
    frame = renderer.frame_at(args.t)
    if args.boxes:
        frame = overlay(frame, renderer.objects_at(args.t))
    cv2.imwrite(str(args.out), frame)
    print(f"wrote {args.out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m camera_drivers.simulator", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("preview", help="render a scene to an MP4 file")
    p.add_argument("scene"), p.add_argument("--out", type=Path, required=True)
    p.add_argument("--start", type=float, default=0.0), p.add_argument("--seconds", type=float)
    p.add_argument("--boxes", action="store_true", help="draw ground-truth boxes")
    p.set_defaults(run=_preview)
    g = sub.add_parser("gt", help="dump per-frame ground truth as JSON lines (header line first)")
    g.add_argument("scene"), g.add_argument("--out", type=Path, required=True)
    g.add_argument("--t0", type=float, default=0.0), g.add_argument("--t1", type=float)
    g.set_defaults(run=_gt)
    s = sub.add_parser("snapshot", help="render one frame to an image file")
    s.add_argument("scene"), s.add_argument("--t", type=float, default=0.0)
    s.add_argument("--out", type=Path, required=True), s.add_argument("--boxes", action="store_true")
    s.set_defaults(run=_snapshot)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except SceneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
