"""Motion benchmark on real footage, side by side with OpenCV MOG2 and KNN in one run.

- CDnet 2014 baseline/highway: pixel precision/recall/F inside the temporal ROI (CDnet rules:
  GT 255 = motion; 0 and 50 (shadow) = background; 85 (outside ROI) and 170 (unknown) ignored),
  and ms per frame of the motion step alone (decode excluded, same frames for every method).
- PETS09-S2L1: motion boxes vs MOT15 person boxes (IoU >= 0.3, greedy one-to-one).
- opencv_samples/tree.avi: share of frames with any motion box before the hand enters.

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/motion.py [--json PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.motion import MotionConfig, MotionDetector, mask_boxes  # noqa: E402
from detectors.types import box_iou  # noqa: E402

# The hand enters tree.avi around frame 50 (1-based); judged by eye on the clip.
TREE_HAND_FRAME = 50


def read_frames(path: Path, limit: int | None = None) -> list[np.ndarray]:
    """Decode a whole clip to a list of (H, W, 3) uint8 BGR frames."""
    cap = cv2.VideoCapture(str(path))
    frames = []
    while limit is None or len(frames) < limit:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def _ours(config: MotionConfig | None = None) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    det = MotionDetector(config or MotionConfig())

    def step(bgr: np.ndarray, y: np.ndarray) -> np.ndarray:
        res = det.detect(y)
        mask = res.mask
        if mask.shape != y.shape:
            mask = cv2.resize(mask, (y.shape[1], y.shape[0]), interpolation=cv2.INTER_NEAREST)
        return mask

    return step


def _opencv(kind: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    sub = cv2.createBackgroundSubtractorMOG2() if kind == "mog2" else cv2.createBackgroundSubtractorKNN()

    def step(bgr: np.ndarray, y: np.ndarray) -> np.ndarray:
        # Shadows come out as 127: background by CDnet rules.
        return cv2.threshold(sub.apply(bgr), 200, 255, cv2.THRESH_BINARY)[1]

    return step


METHODS: dict[str, Callable[[], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "ours": _ours,
    # The same detector with the per-camera shadow option on (sunny scenes with cast shadows).
    "ours_shadows": lambda: _ours(MotionConfig(shadows=True)),
    "mog2": lambda: _opencv("mog2"),
    "knn": lambda: _opencv("knn"),
}


def run_method(name: str, frames: list[np.ndarray], lumas: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """Run one method over all frames; returns masks and ms per frame of the step alone."""
    step = METHODS[name]()
    masks, elapsed = [], 0.0
    for bgr, y in zip(frames, lumas):
        t0 = time.perf_counter()
        masks.append(step(bgr, y))
        elapsed += time.perf_counter() - t0
    return masks, 1000.0 * elapsed / max(1, len(frames))


def cdnet_scores(masks: list[np.ndarray], root: Path) -> dict[str, float]:
    """Pixel P/R/F over the temporal ROI by CDnet rules."""
    start, end = (int(v) for v in (root / "temporalROI.txt").read_text().split()[:2])
    roi = cv2.imread(str(root / "ROI.bmp"), cv2.IMREAD_GRAYSCALE) > 0
    tp = fp = fn = 0
    for idx in range(start, min(end, len(masks)) + 1):
        gt = cv2.imread(str(root / "groundtruth" / f"gt{idx:06d}.png"), cv2.IMREAD_GRAYSCALE)
        pred = masks[idx - 1] > 0
        valid = roi & ((gt == 0) | (gt == 50) | (gt == 255))
        pos = gt == 255
        tp += int(np.count_nonzero(pred & pos & valid))
        fp += int(np.count_nonzero(pred & ~pos & valid))
        fn += int(np.count_nonzero(~pred & pos & valid))
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    return {"precision": p, "recall": r, "f_measure": 2 * p * r / max(1e-9, p + r)}


def load_mot_gt(path: Path) -> dict[int, np.ndarray]:
    """MOT15 gt.txt -> {frame: (n, 4) xyxy float32}."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    out: dict[int, np.ndarray] = {}
    for f in np.unique(rows[:, 0]).astype(int):
        r = rows[rows[:, 0] == f]
        out[int(f)] = np.stack([r[:, 2], r[:, 3], r[:, 2] + r[:, 4], r[:, 3] + r[:, 5]], axis=1).astype(np.float32)
    return out


def greedy_match(pred: np.ndarray, gt: np.ndarray, thr: float) -> int:
    """Number of one-to-one matches with IoU >= thr (greedy by IoU)."""
    if len(pred) == 0 or len(gt) == 0:
        return 0
    iou = box_iou(pred, gt)
    matched = 0
    while True:
        i, j = np.unravel_index(np.argmax(iou), iou.shape)
        if iou[i, j] < thr:
            return matched
        matched += 1
        iou[i, :] = -1
        iou[:, j] = -1


def pets_box_scores(name: str, frames: list[np.ndarray], lumas: list[np.ndarray], gt: dict[int, np.ndarray]) -> dict[str, float]:
    """Motion boxes vs person boxes: recall and precision at IoU >= 0.3."""
    masks, _ = run_method(name, frames, lumas)
    min_area = 60  # px at full resolution: smaller blobs are noise for 768x576 people
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    tp = n_pred = n_gt = 0
    for idx, mask in enumerate(masks, start=1):
        if not name.startswith("ours"):  # ours already applies its own morphology
            mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
            mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        boxes, _ = mask_boxes(mask, min_area)
        g = gt.get(idx, np.zeros((0, 4), np.float32))
        tp += greedy_match(boxes.astype(np.float32), g, 0.3)
        n_pred += len(boxes)
        n_gt += len(g)
    return {"recall": tp / max(1, n_gt), "precision": tp / max(1, n_pred)}


def tree_false_motion(name: str, frames: list[np.ndarray], lumas: list[np.ndarray]) -> float:
    """Share of frames (after a 10-frame warm-up, before the hand) with any motion box."""
    masks, _ = run_method(name, frames[: TREE_HAND_FRAME - 1], lumas[: TREE_HAND_FRAME - 1])
    h, w = masks[0].shape
    flagged = [len(mask_boxes(m, 0.0005 * h * w)[0]) > 0 for m in masks[10:]]
    return float(np.mean(flagged)) if flagged else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--limit", type=int, default=None, help="frames per clip (quick runs)")
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    results: dict[str, dict[str, float]] = {}

    hw = data / "cdnet_highway"
    frames = read_frames(hw / "highway_input_h264.mp4", args.limit)
    lumas = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    row: dict[str, float] = {}
    for name in ("ours", "mog2", "knn"):
        masks, ms = run_method(name, frames, lumas)
        sc = cdnet_scores(masks, hw)
        prefix = "" if name == "ours" else f"{name}_"
        row.update({f"{prefix}f_measure": sc["f_measure"], f"{prefix}precision": sc["precision"],
                    f"{prefix}recall": sc["recall"], f"{prefix}ms_per_frame": ms})
    row["speedup_vs_mog2"] = row["mog2_ms_per_frame"] / row["ms_per_frame"]
    results["cdnet_highway"] = row

    pets = data / "pets09_s2l1"
    pframes = read_frames(pets / "pets09_s2l1_view001_h264.mp4", args.limit)
    plumas = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in pframes]
    gt = load_mot_gt(pets / "gt.txt")
    results["pets09_boxes"] = {}
    for name in ("ours", "ours_shadows", "mog2"):
        sc = pets_box_scores(name, pframes, plumas, gt)
        prefix = "" if name == "ours" else f"{name}_"
        results["pets09_boxes"].update({f"{prefix}recall": sc["recall"], f"{prefix}precision": sc["precision"]})

    tframes = read_frames(data / "opencv_samples" / "tree.avi")
    tlumas = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in tframes]
    results["tree_false_motion"] = {
        f"{n}_frames_with_motion": tree_false_motion(n, tframes, tlumas) for n in ("ours", "mog2", "knn")
    }
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def print_table(results: dict[str, dict[str, float]]) -> None:
    for section, row in results.items():
        print(f"\n[{section}]")
        for key, value in row.items():
            print(f"  {key:32s} {value:8.3f}")


if __name__ == "__main__":
    sys.exit(main())
