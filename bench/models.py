"""Detector-only evaluation on every shared clip: NanoDet-g variants side by side with the SSD.

Whole frames, no motion, no tracking: each detector sees the same decoded frames. Scored where
the clip has ground truth (greedy matching, IoU >= 0.5, highest score first):
- PETS09-S2L1, TUD-Campus: MOT boxes, class person (MOT "conf 0" rows are ignore regions);
- CDnet highway: vehicle boxes = blobs of the moving-object masks (>= 100 px) inside the ROI;
  detections centred outside the ROI or on "unknown" pixels are ignored; a parked car would
  count as a false positive, as would two cars merged into one blob, for every detector alike.
The Intel and bgslibrary clips have no ground truth: there we report detections per frame and
the agreement with the SSD (share of boxes of one matched by the other at IoU 0.5), which shows
disagreement but not who is right (RESULTS.md records a visual check).

Per clip and variant: precision / recall / F1 at the operating threshold (`--threshold`, the
tracker's high threshold 0.5 by default), best F1 over thresholds (optimistic), ms per frame
(resize, inference and decoding; video decode excluded).

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/models.py [--step 2] [--json PATH]
        [--variants ssd,nanodet320,nanodet416[,nanodet320_int8,nanodet416_int8]]
int8 variants are built in this run with NNCF (pip install nncf; not a project dependency):
static quantisation of Conv layers only, the first conv and the three head convs left float.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clips import read_frames  # noqa: E402

from detectors.blobs import mask_boxes  # noqa: E402
from detectors.objects.base import ObjectDetector  # noqa: E402
from detectors.types import ClassId, Detections, box_iou  # noqa: E402

PERSON = np.array([int(ClassId.PERSON)])
VEHICLES = np.array([int(c) for c in (ClassId.CAR, ClassId.BUS, ClassId.TRUCK, ClassId.MOTORBIKE)])
THRESHOLDS = np.round(np.arange(0.2, 0.81, 0.05), 2)
# name -> (video, ground-truth kind, classes scored); CDnet's masks start at frame 470
START = {"cdnet_highway": 470}
CLIPS: dict[str, tuple[str, str, np.ndarray]] = {
    "pets09": ("pets09_s2l1/pets09_s2l1_view001_h264.mp4", "mot", PERSON),
    "tud_campus": ("mot15_tud_campus/TUD-Campus.mp4", "mot", PERSON),
    "cdnet_highway": ("cdnet_highway/highway_input_h264.mp4", "cdnet", VEHICLES),
    "intel_car": ("intel_sample_videos/car-detection.mp4", "none", VEHICLES),
    "intel_person": ("intel_sample_videos/one-by-one-person-detection.mp4", "none", PERSON),
    "bgs_video": ("bgslibrary/video.avi", "none", VEHICLES),
    "bgs_video02": ("bgslibrary/video02.avi", "none", np.concatenate([PERSON, VEHICLES, [1]])),
}
GroundTruth = dict[int, tuple[np.ndarray, np.ndarray | None]]  # frame -> (xyxy, ignore mask or None)


def mot_truth(path: Path) -> GroundTruth:
    """MOT gt.txt -> {frame: (xyxy of scored boxes, None)}; ignore rows dropped with their match."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    rows = rows[rows[:, 6] != 0]
    out: GroundTruth = {}
    for f in np.unique(rows[:, 0]).astype(int):
        r = rows[rows[:, 0] == f]
        out[f] = (np.stack([r[:, 2], r[:, 3], r[:, 2] + r[:, 4], r[:, 3] + r[:, 5]], 1), None)
    return out


def cdnet_truth(root: Path, frames: list[int]) -> GroundTruth:
    """Blob boxes of moving pixels (255) per frame, plus the ignore mask (outside ROI / unknown)."""
    start, end = (int(v) for v in (root / "temporalROI.txt").read_text().split())
    out: GroundTruth = {}
    for f in frames:
        if not start <= f <= end:
            continue
        gt = cv2.imread(str(root / "groundtruth" / f"gt{f:06d}.png"), cv2.IMREAD_GRAYSCALE)
        boxes, _ = mask_boxes(((gt == 255) * 255).astype(np.uint8), 100)
        out[f] = (np.asarray(boxes, np.float32).reshape(-1, 4), (gt == 85) | (gt == 170))
    return out


def match(pred: np.ndarray, gt: np.ndarray, thr: float = 0.5) -> np.ndarray:
    """(n_pred,) bool: prediction matched to a distinct GT box, greedily in the given order."""
    hit = np.zeros(len(pred), bool)
    if len(pred) == 0 or len(gt) == 0:
        return hit
    iou = box_iou(pred, gt)
    free = np.ones(len(gt), bool)
    for i in range(len(pred)):
        cand = np.where(free, iou[i], 0.0)
        j = int(cand.argmax())
        if cand[j] >= thr:
            hit[i], free[j] = True, False
    return hit


def _ignored(dets: Detections, ignore: np.ndarray | None) -> np.ndarray:
    if ignore is None or not len(dets):
        return np.zeros(len(dets), bool)
    c = ((dets.xyxy[:, :2] + dets.xyxy[:, 2:]) / 2).astype(int)
    h, w = ignore.shape
    return ignore[np.clip(c[:, 1], 0, h - 1), np.clip(c[:, 0], 0, w - 1)]


def score_clip(dets: dict[int, Detections], truth: GroundTruth, classes: np.ndarray) -> dict:
    """P/R/F1 per threshold over the frames that have ground truth."""
    tp = np.zeros(len(THRESHOLDS))
    fp = np.zeros(len(THRESHOLDS))
    n_gt = 0
    for f, (gt, ignore) in truth.items():
        if f not in dets:
            continue
        d = dets[f][np.isin(dets[f].class_id, classes)]
        d = d[~_ignored(d, ignore)]
        d = d[np.argsort(-d.confidence, kind="stable")]
        n_gt += len(gt)
        for k, thr in enumerate(THRESHOLDS):
            keep = d.confidence >= thr
            hit = match(d.xyxy[keep], gt)
            tp[k] += hit.sum()
            fp[k] += (~hit).sum()
    prec = tp / np.maximum(tp + fp, 1)
    rec = tp / max(n_gt, 1)
    f1 = 2 * prec * rec / np.maximum(prec + rec, 1e-9)
    return {"gt_boxes": n_gt, "thresholds": THRESHOLDS.tolist(), "precision": prec.round(4).tolist(),
            "recall": rec.round(4).tolist(), "f1": f1.round(4).tolist()}


def agreement(a: dict[int, Detections], b: dict[int, Detections], classes: np.ndarray, thr: float) -> float:
    """Share of a's boxes (score >= thr, scored classes) matched by one of b's at IoU 0.5."""
    hits = total = 0
    for f, da in a.items():
        da = da[np.isin(da.class_id, classes) & (da.confidence >= thr)]
        db = b[f][np.isin(b[f].class_id, classes) & (b[f].confidence >= thr)]
        hits += int(match(da.xyxy, db.xyxy).sum())
        total += len(da)
    return hits / total if total else 1.0


def build_variants(names: list[str], calib: list[np.ndarray]) -> dict[str, ObjectDetector]:
    """Detectors by variant name; every one with a low threshold so that scoring can sweep."""
    from detectors.objects.configs import NanoDetConfig, SsdTfliteConfig
    from detectors.objects.nanodet import NanoDetDetector
    from detectors.objects.ssd_tflite import SsdTfliteDetector

    out: dict[str, ObjectDetector] = {}
    for name in names:
        if name == "ssd":
            out[name] = SsdTfliteDetector(SsdTfliteConfig(score_threshold=0.15, threads=2))
            continue
        size = int(name.removeprefix("nanodet")[:3])
        cfg = NanoDetConfig(input_size=size, score_threshold=0.15, threads=2)
        xml = quantise(size, calib) if name.endswith("_int8") else None
        out[name] = NanoDetDetector(cfg, ir_path=xml)
    return out


def quantise(size: int, calib: list[np.ndarray]) -> Path:
    """Static int8 (NNCF) of the Conv layers only; first conv and the 124-channel head convs float."""
    import nncf
    import openvino as ov

    from detectors.models import nanodet_ir
    from detectors.objects.nanodet import MEAN_BGR, STD_BGR

    model = ov.Core().read_model(str(nanodet_ir(size)))
    convs = [op for op in model.get_ordered_ops() if op.get_type_name() == "Convolution"]
    keep_float = [convs[0].get_friendly_name()] + [
        op.get_friendly_name() for op in convs if op.get_input_partial_shape(1)[0].get_length() == 124
    ]
    other_types = sorted({op.get_type_name() for op in model.get_ordered_ops()} - {"Convolution"})

    def transform(bgr: np.ndarray) -> np.ndarray:
        x = (cv2.resize(bgr, (size, size)).astype(np.float32) - MEAN_BGR) / STD_BGR
        return x.transpose(2, 0, 1)[None]

    q = nncf.quantize(model, nncf.Dataset(calib, transform), subset_size=len(calib),
                      ignored_scope=nncf.IgnoredScope(names=keep_float, types=other_types, validate=False))
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"nanodet_g_{size}_int8.xml"
    ov.save_model(q, str(out), compress_to_fp16=False)
    return out


def run(detector: ObjectDetector, frames: list[tuple[int, np.ndarray]]) -> tuple[dict[int, Detections], float]:
    """Detections per frame number and the median ms per frame (after one warm-up).

    The median, not the mean: the machine is shared, and load spikes hit whichever variant runs.
    """
    detector.detect([frames[0][1]])
    out, times = {}, []
    for f, bgr in frames:
        t0 = time.perf_counter()
        (out[f],) = detector.detect([bgr])
        times.append(time.perf_counter() - t0)
    return out, 1000 * float(np.median(times))


def speed(variants: dict[str, ObjectDetector], frame: np.ndarray, rounds: int) -> dict[str, dict[str, float]]:
    """Per variant: median wall ms and mean CPU ms (all threads of this process) per frame.

    Variants run interleaved round by round so that they share the same load; CPU time is what a
    shared node pays per model run, and it is much less disturbed by other processes than wall time.
    """
    wall: dict[str, list[float]] = {n: [] for n in variants}
    cpu: dict[str, list[float]] = {n: [] for n in variants}
    for _ in range(rounds):
        for name, det in variants.items():
            t0, c0 = time.perf_counter(), time.process_time()
            det.detect([frame])
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return {n: {"wall_ms_median": round(1000 * float(np.median(wall[n])), 2),
                "cpu_ms_mean": round(1000 * float(np.mean(cpu[n])), 2)} for n in variants}


def load_frames(data: Path, video: str, step: int, limit: int | None, start: int) -> list[tuple[int, np.ndarray]]:
    """Every `step`-th frame from 1-based frame `start` on, at most `limit`; (frame number, BGR)."""
    frames = read_frames(data / video, limit=None if limit is None else limit + start // step + 1, step=step)
    numbered = [(1 + i * step, f) for i, f in enumerate(frames)]  # 1-based numbers, as in the GT
    return [(n, f) for n, f in numbered if n >= start][:limit]


def truth_for(data: Path, video: str, kind: str, numbers: list[int]) -> GroundTruth | None:
    root = (data / video).parent
    if kind == "mot":
        return mot_truth(root / "gt.txt")
    if kind == "cdnet":
        return cdnet_truth(root, numbers)
    return None


def evaluate(data: Path, variants: dict[str, ObjectDetector], step: int, limit: int | None,
             threshold: float, progress: Callable[[str], None]) -> dict:
    results: dict[str, dict] = {}
    for clip, (video, kind, classes) in CLIPS.items():
        frames = load_frames(data, video, step, limit, START.get(clip, 1))
        truth = truth_for(data, video, kind, [f for f, _ in frames])
        per: dict[str, dict] = {}
        dets_by: dict[str, dict[int, Detections]] = {}
        for name, det in variants.items():
            dets, ms = run(det, frames)
            dets_by[name] = dets
            row: dict = {"ms_per_frame": round(ms, 2), "frames": len(frames)}
            sel = [d[np.isin(d.class_id, classes) & (d.confidence >= threshold)] for d in dets.values()]
            row["detections_per_frame"] = round(sum(len(d) for d in sel) / len(sel), 3)
            if truth is not None:
                row.update(_summary(score_clip(dets, truth, classes), threshold))
            per[name] = row
            progress(f"{clip:14s} {name:16s} {json.dumps({k: v for k, v in row.items() if k != 'curve'})}")
        if truth is None and "ssd" in dets_by:
            for name in variants:
                if name != "ssd":
                    per[name]["agree_with_ssd"] = round(agreement(dets_by[name], dets_by["ssd"], classes, threshold), 3)
                    per[name]["ssd_agrees"] = round(agreement(dets_by["ssd"], dets_by[name], classes, threshold), 3)
        results[clip] = per
    return results


def _summary(curve: dict, threshold: float) -> dict:
    k = int(np.argmin(np.abs(np.asarray(curve["thresholds"]) - threshold)))
    best = int(np.argmax(curve["f1"]))
    return {"precision": curve["precision"][k], "recall": curve["recall"][k], "f1": curve["f1"][k],
            "best_f1": curve["f1"][best], "best_f1_threshold": curve["thresholds"][best],
            "gt_boxes": curve["gt_boxes"], "curve": curve}


def print_table(results: dict) -> None:
    print(f"\n{'clip':14s} {'variant':16s} {'P':>6s} {'R':>6s} {'F1':>6s} {'bestF1':>7s} {'@thr':>5s} "
          f"{'det/fr':>7s} {'agree':>6s} {'ms':>6s}")
    for clip, per in results.items():
        for name, r in per.items():
            cells = [f"{r[k]:6.3f}" if k in r else "     -" for k in ("precision", "recall", "f1")]
            best = f"{r['best_f1']:7.3f} {r['best_f1_threshold']:5.2f}" if "best_f1" in r else "      -     -"
            agree = f"{r['agree_with_ssd']:6.3f}" if "agree_with_ssd" in r else "     -"
            print(f"{clip:14s} {name:16s} {' '.join(cells)} {best} {r['detections_per_frame']:7.2f} {agree} "
                  f"{r['ms_per_frame']:6.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default="ssd,nanodet320,nanodet416")
    parser.add_argument("--step", type=int, default=2, help="every N-th frame of each clip")
    parser.add_argument("--limit", type=int, default=None, help="frames per clip after --step")
    parser.add_argument("--threshold", type=float, default=0.5, help="operating score threshold")
    parser.add_argument("--rounds", type=int, default=100, help="interleaved speed rounds")
    parser.add_argument("--json", type=Path, help="write results here")
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    names = args.variants.split(",")
    calib: list[np.ndarray] = []
    if any(n.endswith("_int8") for n in names):  # calibration: images only, 8 from every clip
        for video, _, _ in CLIPS.values():
            calib += read_frames(data / video, limit=8, step=37)
    variants = build_variants(names, calib)
    results = evaluate(data, variants, args.step, args.limit, args.threshold, print)
    print_table(results)
    probe = cv2.resize(read_frames(data / CLIPS["pets09"][0], limit=1)[0], (640, 360))
    ms = speed(variants, probe, args.rounds)
    print("\ninterleaved speed, one 640x360 frame: " + ", ".join(
        f"{n} {v['wall_ms_median']} ms wall (median), {v['cpu_ms_mean']} ms CPU" for n, v in ms.items()))
    load = os.getloadavg()[0]
    print(f"\nload average (1 min) at the end: {load:.2f}; cores: {os.cpu_count()}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"clips": results, "speed_ms_640x360": ms, "threshold": args.threshold, "step": args.step,
                                         "load_avg_1m": round(load, 2)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
