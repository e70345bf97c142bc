"""Where tracking accuracy is lost: the detector's own ceiling per view, and what misses / false
positives are (bench/RESULTS.md "Why TUD-Campus is low").

For each clip and each way of showing the frame to NanoDet-g (`stretch` = the product default, the
frame stretched to the square input; `letterbox` = aspect kept, grey padding; `zoomK` = the frame
centred on a grey square K times its longer side, i.e. zoomed out), at the detect rate (5 fps):
- **ceiling**: per-frame optimal matching of the raw detections above a score threshold to the
  truth (IoU >= 0.5), MOTA = 1 - (FN + FP) / GT with no identities: what a perfect tracker fed by
  one fixed threshold would reach (a tracker can beat it only by using scores over time);
- **kinds** (at the product's high threshold, 0.4): misses with a detection at IoU 0.3-0.5 (box
  off), hidden by another truth person (truth IoU > 0.3), at the frame border, with no detection;
  false positives that duplicate a matched detection, lie near a truth box, or far from any (a
  thing or a person missing from the truth: TUD's people behind the glass).

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/track_diagnose.py [--clips tud_campus,pets09,cdnet_highway]
        [--views stretch,letterbox,zoom1.25,zoom1.5] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import detect_eval as de  # noqa: E402
from mot_score import Truth, _drop_on_ignore  # noqa: E402

from detectors.objects.base import nms_per_class  # noqa: E402
from detectors.objects.configs import NanoDetConfig  # noqa: E402
from detectors.objects.nanodet import PAD_GREY, NanoDetDetector, decode  # noqa: E402
from detectors.types import Detections, box_iou  # noqa: E402

THRESHOLDS = (0.35, 0.4, 0.45, 0.5)
KIND_THRESHOLD = 0.4


def view(bgr: np.ndarray, name: str) -> tuple[np.ndarray, int, int]:
    """The image the model is shown and the frame's offset in it."""
    if name == "stretch":
        return bgr, 0, 0
    h, w = bgr.shape[:2]
    side = int(round((1.0 if name == "letterbox" else float(name[4:])) * max(w, h)))
    canvas = np.full((side, side, 3), PAD_GREY, np.uint8)
    ox, oy = (side - w) // 2, (side - h) // 2
    canvas[oy:oy + h, ox:ox + w] = bgr
    return canvas, ox, oy


def detect(det: NanoDetDetector, bgr: np.ndarray, name: str) -> Detections:
    """Detections (score >= the lowest threshold, per-class NMS 0.5) in frame pixels."""
    image, ox, oy = view(bgr, name)
    scores, reg = det.raw_outputs(image)
    d = decode(scores, reg, det._centres, min(THRESHOLDS), 1.0)  # NMS below, after mapping back
    h, w = bgr.shape[:2]
    ih, iw = image.shape[:2]
    xyxy = d.xyxy * (np.array([iw, ih, iw, ih], np.float32) / det.config.input_size) - [ox, oy, ox, oy]
    xyxy = np.clip(xyxy, 0, [w, h, w, h]).astype(np.float32)
    ok = (xyxy[:, 2] - xyxy[:, 0] >= 1) & (xyxy[:, 3] - xyxy[:, 1] >= 1)
    d = Detections(xyxy=xyxy[ok], confidence=d.confidence[ok], class_id=d.class_id[ok])
    return d[nms_per_class(d.xyxy, d.confidence, d.class_id, 0.5)]


def _match(d: Detections, truth: Truth, f: int):
    gid, g = truth.boxes.get(f, (np.zeros(0, int), np.zeros((0, 4))))
    iou = box_iou(g, d.xyxy)
    d, iou = _drop_on_ignore(d, iou, truth.ignore.get(f))
    md, mg = np.zeros(len(d), bool), np.zeros(len(g), bool)
    if iou.size:
        r, c = linear_sum_assignment(-iou)
        ok = iou[r, c] >= 0.5
        md[c[ok]], mg[r[ok]] = True, True
    return d, g, iou, md, mg


def kinds(d: Detections, g: np.ndarray, iou: np.ndarray, md: np.ndarray, mg: np.ndarray, wh) -> dict[str, int]:
    out = dict.fromkeys(["fn_box_off", "fn_hidden", "fn_border", "fn_no_detection",
                         "fp_duplicate", "fp_near_truth", "fp_far_from_truth"], 0)
    dd = box_iou(d.xyxy, d.xyxy)
    for k in np.flatnonzero(~md):
        if (dd[k, md] >= 0.3).any():
            out["fp_duplicate"] += 1
        elif iou.shape[0] and iou[:, k].max() > 0.1:
            out["fp_near_truth"] += 1
        else:
            out["fp_far_from_truth"] += 1
    gg = box_iou(g, g)
    np.fill_diagonal(gg, 0)
    w, h = wh
    for j in np.flatnonzero(~mg):
        b = g[j]
        if iou.shape[1] and iou[j].max() >= 0.3:
            out["fn_box_off"] += 1
        elif gg[j].max(initial=0) > 0.3:
            out["fn_hidden"] += 1
        elif b[0] < 5 or b[1] < 5 or b[2] > w - 5 or b[3] > h - 5:
            out["fn_border"] += 1
        else:
            out["fn_no_detection"] += 1
    return out


def diagnose(clip: de.Clip, det: NanoDetDetector, name: str, rate: float) -> dict:
    counts = {t: [0, 0, 0] for t in THRESHOLDS}  # tp, fp, fn
    kind_total: dict[str, int] = {}
    for i in de.select_at_fps(len(clip.frames), clip.fps, rate):
        f = i + 1
        if not clip.truth.scored(f):
            continue
        bgr = clip.frames[i]
        all_dets = detect(det, bgr, name)
        all_dets = all_dets[np.isin(all_dets.class_id, clip.truth.classes)]
        for t in THRESHOLDS:
            d, g, iou, md, mg = _match(all_dets[all_dets.confidence >= t], clip.truth, f)
            counts[t][0] += int(md.sum())
            counts[t][1] += int((~md).sum())
            counts[t][2] += int((~mg).sum())
            if t == KIND_THRESHOLD:
                for k, v in kinds(d, g, iou, md, mg, bgr.shape[1::-1]).items():
                    kind_total[k] = kind_total.get(k, 0) + v
    ceiling = {f"{t:g}": {"mota": 1 - (fp + fn) / max(tp + fn, 1), "recall": tp / max(tp + fn, 1),
                          "precision": tp / max(tp + fp, 1)} for t, (tp, fp, fn) in counts.items()}
    return {"ceiling": ceiling, "kinds": kind_total}


def run_views(description: str, default_clips: str, default_views: str,
              measure: Callable[[de.Clip, NanoDetDetector, str, float], dict],
              show: Callable[[str, str, dict], None]) -> int:
    """The command line the view diagnostics share (this one, bench/view_sizes.py): every clip x
    view through `measure(clip, detector, view, rate)`, each row printed by `show`, `--json`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--clips", default=default_clips)
    parser.add_argument("--views", default=default_views)
    parser.add_argument("--rate", type=float, default=de.DETECT_FPS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    det = NanoDetDetector(NanoDetConfig())
    results: dict[str, dict] = {}
    for clip_name in args.clips.split(","):
        clip = de.load_clip(clip_name, data)
        for name in args.views.split(","):
            row = measure(clip, det, name, args.rate)
            results.setdefault(clip_name, {})[name] = row
            show(clip_name, name, row)
    results["machine"] = {"load_avg_1m": os.getloadavg()[0]}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def _show(clip_name: str, name: str, row: dict) -> None:
    cells = "  ".join(f"{t} {c['mota']:.3f}" for t, c in row["ceiling"].items())
    print(f"{clip_name:14s} {name:10s} ceiling MOTA by threshold: {cells}")
    print(f"{'':25s} at {KIND_THRESHOLD}: " + "  ".join(f"{k} {v}" for k, v in row["kinds"].items()))


def main() -> int:
    return run_views(__doc__.split("\n")[0], "tud_campus,pets09,cdnet_highway", "stretch,letterbox,zoom1.25,zoom1.5",
                     diagnose, _show)


if __name__ == "__main__":
    sys.exit(main())
