"""How well NanoDet-g finds an object as a function of its size AT THE MODEL INPUT (the detector's
view of the frame), over every shared clip with truth (bench/RESULTS.md "Detector view by object size").

For each clip (PETS09, TUD-Campus persons; CDnet highway cars), at the detect rate, each frame is
shown to the model in several views (`stretch` = the frame stretched to the square input;
`letterbox` = aspect kept; `zoomK` = the frame centred on a grey square K x its longer side) and
every truth box is matched (one-to-one, IoU >= 0.5) with the detections above the tracker's high
threshold. A truth box's size at the input is its height x input side / the view's square side.
Printed: recall per input-height bin, per clip and view (the same object in different views lands
in different bins, so the curve is the model's, not one view's), and false positives per frame.

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/view_sizes.py [--clips ...] [--views ...] [--json PATH]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import detect_eval as de  # noqa: E402
import track_diagnose as td  # noqa: E402
from mot_score import _drop_on_ignore  # noqa: E402

from detectors.objects.nanodet import NanoDetDetector  # noqa: E402
from detectors.types import box_iou  # noqa: E402

BINS = (0, 16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 200, 400)
THRESHOLD = 0.4  # the tracker's high threshold for NanoDet


def view_side(bgr: np.ndarray, name: str) -> float:
    """The square side (frame px) the view maps onto the model input (stretch: per axis, use height)."""
    h, w = bgr.shape[:2]
    if name == "stretch":
        return float(h)
    return (1.0 if name == "letterbox" else float(name[4:])) * max(w, h)


def sizes(clip: de.Clip, det: NanoDetDetector, name: str, rate: float) -> dict:
    """Per truth box: (height at input, found); FP count and frames."""
    side_in = det.config.input_size
    heights, found, fp, frames = [], [], 0, 0
    for i in de.select_at_fps(len(clip.frames), clip.fps, rate):
        f = i + 1
        if not clip.truth.scored(f):
            continue
        bgr = clip.frames[i]
        d = td.detect(det, bgr, name)
        d = d[np.isin(d.class_id, clip.truth.classes) & (d.confidence >= THRESHOLD)]
        _, g = clip.truth.boxes.get(f, (np.zeros(0, int), np.zeros((0, 4))))
        iou = box_iou(g, d.xyxy)
        d, iou = _drop_on_ignore(d, iou, clip.truth.ignore.get(f))
        hit = np.zeros(len(g), bool)
        used = np.zeros(len(d), bool)
        if iou.size:
            r, c = linear_sum_assignment(-iou)
            ok = iou[r, c] >= 0.5
            hit[r[ok]], used[c[ok]] = True, True
        scale = side_in / view_side(bgr, name)
        heights += ((g[:, 3] - g[:, 1]) * scale).tolist()
        found += hit.tolist()
        fp += int((~used).sum())
        frames += 1
    h, ok = np.asarray(heights), np.asarray(found, bool)
    bins = {}
    for lo, hi in zip(BINS[:-1], BINS[1:]):
        sel = (h >= lo) & (h < hi)
        if sel.any():
            bins[f"{lo}-{hi}"] = {"n": int(sel.sum()), "recall": float(ok[sel].mean())}
    return {"bins": bins, "recall": float(ok.mean()) if len(ok) else 0.0, "fp_per_frame": fp / max(frames, 1),
            "median_height_in": float(np.median(h)) if len(h) else 0.0}


def _show(clip_name: str, name: str, row: dict) -> None:
    cells = "  ".join(f"{k}:{v['recall']:.2f}({v['n']})" for k, v in row["bins"].items())
    print(f"{clip_name:14s} {name:9s} recall {row['recall']:.3f} fp/frame {row['fp_per_frame']:.2f} "
          f"median h_in {row['median_height_in']:.0f} | {cells}", flush=True)


def main() -> int:
    return td.run_views(__doc__.split("\n")[0], "pets09,tud_campus,cdnet_highway",
                        "stretch,letterbox,zoom1.25,zoom1.5,zoom2", sizes, _show)


if __name__ == "__main__":
    sys.exit(main())
