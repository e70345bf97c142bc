"""Colour attribute accuracy on hand-labelled crops of the real shared footage.

The label file (bench/data/colour_labels.csv: clip, frame, box, class, colour, split, note) was
made by looking at every crop on contact sheets; ambiguous crops (champagne and two-tone cars,
a jacket half red half navy, two cars in one box) were left out. No footage or crop is stored:
the crops are rebuilt from VMS_TEST_DATA.

Side by side, per labelled crop:
- "product": `detectors.colour.object_colour` with the motion mask that the pipeline's own
  MotionDetector gives at that frame (run over the clip from its first frame), and the frame's
  white-balance estimate; people are named by their upper body;
- "still": the same without a motion mask (an object standing still: the border-ring estimate);
- "baseline": the previous `dominant_colour` (most frequent colour in the box centre);
- "night": every frame turned into an IR picture (grey): the product must say "unknown".

Accuracy is reported on the tuning split, on the held-out split (never used to choose a
threshold), on the "fresh" split (a second held-out part labelled later from frames and people
the first set does not hold, boxes from the default detector; never used to choose anything) and
on all crops; the confusion matrix is on all crops ("product").

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/colour_eval.py [--json PATH] [--sheets DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors.attributes import dominant_colour
from detectors.colour import COLOURS, UNKNOWN, colour_scores, frame_tone, object_colour
from detectors.motion import MotionDetector, MotionResult

MOT_TRUTH = {"pets09": "pets09_s2l1/gt.txt", "tud": "mot15_tud_campus/gt.txt"}
TRACK_OFFSETS_S = (-0.8, -0.4, 0.4, 0.8)  # "track": views this many seconds from the labelled one
TUNE_NEAR_S = 0.25  # ... but not views this close in time to a crop of the other side (tune / unseen)
TRACK_IOU = 0.3  # a motion box continues the object from the previous frame at this IoU
SPLITS = ("tune", "heldout", "fresh", "fresh2", "all")
LABELS = Path(__file__).resolve().parent / "data" / "colour_labels.csv"
CLIPS = {
    "cdnet_highway": "cdnet_highway/highway_input_h264.mp4",
    "bgslibrary_video": "bgslibrary/video.avi",
    "bgslibrary_video02": "bgslibrary/video02.avi",
    "intel_car": "intel_sample_videos/car-detection.mp4",
    "intel_person": "intel_sample_videos/one-by-one-person-detection.mp4",
    "pets09": "pets09_s2l1/pets09_s2l1_view001_h264.mp4",
    "tud": "mot15_tud_campus/TUD-Campus.mp4",
}


def load_labels(path: Path = LABELS) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["frame"] = int(r["frame"])
        r["box"] = np.array([float(r[k]) for k in ("x1", "y1", "x2", "y2")])
    return rows


def night_ir(bgr: np.ndarray) -> np.ndarray:
    """An IR night picture: the camera's black-and-white mode, darker."""
    grey = (cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) * 0.5).astype(np.uint8)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def labelled_frames(video: Path, rows: list[dict]) -> Iterator[tuple[dict, np.ndarray, np.ndarray]]:
    """Run the pipeline's motion detector over the clip from its first frame; yield (label row,
    frame, motion mask of that frame) for every labelled box."""
    wanted = defaultdict(list)
    for r in rows:
        wanted[r["frame"]].append(r)
    for index, (bgr, result) in enumerate(_motion_pass(video, max(wanted)), start=1):
        for r in wanted.get(index, []):
            yield r, bgr, result.mask


def labelled_crops(data: Path, labels: list[dict]) -> Iterator[tuple[dict, np.ndarray, np.ndarray]]:
    """`labelled_frames` over every clip of CLIPS that has labels."""
    for clip, rel in CLIPS.items():
        rows = [r for r in labels if r["clip"] == clip]
        if rows:
            yield from labelled_frames(data / rel, rows)


def predict(data: Path, labels: list[dict]) -> list[dict]:
    """Name every labelled box: product, still, baseline and night (see the module docstring)."""
    out = []
    for r, bgr, mask in labelled_crops(data, labels):
        person = r["class"] == "person"
        tone = frame_tone(bgr)
        x1, y1, x2, y2 = r["box"].astype(int)
        out.append({
            **{k: r[k] for k in ("clip", "frame", "class", "colour", "split")},
            "box": r["box"].astype(int).tolist(),
            "product": object_colour(bgr, r["box"], person, mask, tone)[0],
            "still": object_colour(bgr, r["box"], person, None, tone)[0],
            "baseline": dominant_colour(bgr[y1:y2, x1:x2])[0],
            "night": object_colour(night_ir(bgr), r["box"], person, mask)[0],
        })
    return out


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box a (4,) with boxes b (k, 4)."""
    if not len(b):
        return np.zeros(0)
    w = (np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0])).clip(0)
    h = (np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1])).clip(0)
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter)


def _mot_boxes(clip: str, data: Path) -> dict[int, tuple[np.ndarray, np.ndarray]] | None:
    """{frame: (ids, xyxy)} of a MOT ground truth, or None for clips without one."""
    if clip not in MOT_TRUTH:
        return None
    rows = np.loadtxt(data / MOT_TRUTH[clip], delimiter=",", ndmin=2)
    out = {}
    for f in np.unique(rows[:, 0]).astype(int):
        r = rows[rows[:, 0] == f]
        out[f] = (r[:, 1].astype(int), np.c_[r[:, 2:4], r[:, 2:4] + r[:, 4:6]])
    return out


def _views(row: dict, offsets: list[int], motion_boxes: dict, mot: dict | None) -> dict[int, np.ndarray]:
    """{frame: box} of the labelled object at the labelled frame and at frame + each offset where
    it can be followed: by its MOT id, or frame by frame through the motion detector's boxes
    (best IoU >= TRACK_IOU; the chain stops where the object is lost)."""
    f0, box0 = row["frame"], row["box"]
    views = {f0: box0}
    if mot is not None:
        ids, boxes = mot.get(f0, (np.zeros(0, int), np.zeros((0, 4))))
        iou = _iou(box0, boxes)
        if not len(iou) or iou.max() < 0.5:
            return views
        tid = ids[int(iou.argmax())]
        for o in offsets:
            ids_o, boxes_o = mot.get(f0 + o, (np.zeros(0, int), np.zeros((0, 4))))
            if tid in ids_o:
                views[f0 + o] = boxes_o[list(ids_o).index(tid)]
        return views
    for sign in (1, -1):
        box, reach = box0, max([abs(o) for o in offsets if o * sign > 0], default=0)
        for step in range(1, reach + 1):
            cand = motion_boxes.get(f0 + sign * step, np.zeros((0, 4)))
            iou = _iou(box, cand)
            if not len(iou) or iou.max() < TRACK_IOU:
                break
            box = cand[int(iou.argmax())].astype(np.float64)
            if sign * step in offsets:
                views[f0 + sign * step] = box
    return views


def _near(frame: int, box: np.ndarray, crops: list[dict], near: int) -> bool:
    """A view within `near` frames of one of `crops` that overlaps it (nearly the same picture)."""
    return any(abs(t["frame"] - frame) <= near and _iou(box, t["box"][None])[0] > 0.1 for t in crops)


def object_views(data: Path, labels: list[dict], targets: set[str]) -> Iterator[tuple[dict, np.ndarray, np.ndarray, np.ndarray]]:
    """(label row, frame, box, motion mask) of each labelled object of the `targets` splits at its
    labelled view and at the views TRACK_OFFSETS_S seconds before and after it where it can be
    followed (`_views`). A view next to a crop of the OTHER splits that overlaps it is left out
    (`_near`): an unseen object is never named from (nearly) the picture of a tuning crop, and the
    head is never fitted on (nearly) the picture of an unseen crop."""
    for clip, rel in CLIPS.items():
        rows = [r for r in labels if r["clip"] == clip]
        if not any(r["split"] in targets for r in rows):
            continue
        cap = cv2.VideoCapture(str(data / rel))
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        cap.release()
        offsets = sorted({round(s * fps) for s in TRACK_OFFSETS_S} - {0})
        last = max(r["frame"] for r in rows) + max(offsets)
        motion_boxes = {i: res.boxes for i, (_, res) in enumerate(_motion_pass(data / rel, last), start=1)}
        mot = _mot_boxes(clip, data)
        others = [t for t in rows if t["split"] not in targets]
        near = max(1, round(TUNE_NEAR_S * fps))
        need: dict[int, list[tuple[dict, np.ndarray]]] = defaultdict(list)
        for r in (r for r in rows if r["split"] in targets):
            for f, box in _views(r, offsets, motion_boxes, mot).items():
                if f == r["frame"] or not _near(f, box, others, near):
                    need[f].append((r, box))
        for index, (bgr, result) in enumerate(_motion_pass(data / rel, max(need)), start=1):
            for r, box in need.get(index, []):
                yield r, bgr, box, result.mask


def track_colours(data: Path, labels: list[dict]) -> tuple[dict[tuple, str], dict[tuple, int]]:
    """Colour of each labelled object named as the product names a track: the sqrt(area)-weighted
    sum of `colour_scores` over its `object_views` (tuning objects and unseen objects each kept
    apart from the other side's crops). Returns ({(clip, frame, x1, y1): colour}, {same key: views
    used})."""
    votes: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(len(COLOURS)))
    views: dict[tuple, int] = defaultdict(int)
    unseen = set(SPLITS) - {"tune", "all"}
    for targets in ({"tune"}, unseen):
        for r, bgr, box, mask in object_views(data, labels, targets):
            views[_key(r)] += 1
            probs = colour_scores(bgr, box, r["class"] == "person", mask, frame_tone(bgr))
            if probs is not None:
                area = max(float((box[2] - box[0]) * (box[3] - box[1])), 1.0)
                votes[_key(r)] += np.sqrt(area) * probs
    out = {}
    for r in labels:
        v = votes.get(_key(r))
        out[_key(r)] = COLOURS[int(v.argmax())][0] if v is not None and v.any() else UNKNOWN[0]
    return out, dict(views)


def _key(r: dict) -> tuple:
    return (r["clip"], int(r["frame"]), int(r["box"][0]), int(r["box"][1]))


def _motion_pass(video: Path, last: int) -> Iterator[tuple[np.ndarray, MotionResult]]:
    """(frame, MotionDetector result) for frames 1..last of the clip, as `labelled_frames` runs it."""
    motion = MotionDetector()
    cap = cv2.VideoCapture(str(video))
    index = 0
    try:
        while index < last:
            ok, bgr = cap.read()
            if not ok:
                break
            index += 1
            yield bgr, motion.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), index / 25.0)
    finally:
        cap.release()


def accuracy(rows: list[dict], key: str) -> float | None:
    return round(sum(r[key] == r["colour"] for r in rows) / len(rows), 3) if rows else None


def per_colour(rows: list[dict]) -> dict:
    """Recall of the product per true colour: {colour: [right, n]}."""
    out: dict = {}
    for r in rows:
        right, n = out.get(r["colour"], [0, 0])
        out[r["colour"]] = [right + (r["product"] == r["colour"]), n + 1]
    return out


def confusion(rows: list[dict], key: str) -> dict:
    names = [c for c, _ in COLOURS] + [UNKNOWN[0]]
    present = sorted({r["colour"] for r in rows}, key=names.index)
    predicted = sorted({r[key] for r in rows} | set(present), key=names.index)
    table = {t: {p: 0 for p in predicted} for t in present}
    for r in rows:
        table[r["colour"]][r[key]] += 1
    return table


def print_confusion(table: dict) -> None:
    cols = list(next(iter(table.values())))
    print("true \\ predicted | " + " | ".join(cols) + " | n | recall")
    for t, row in table.items():
        n = sum(row.values())
        print(f"{t} | " + " | ".join(str(row[c]) for c in cols) + f" | {n} | {row.get(t, 0) / n:.2f}")


def write_sheets(results: list[dict], data: Path, out: Path, per: int = 24) -> None:
    """Contact sheets of every labelled crop with label and prediction, for a person to check."""
    out.mkdir(parents=True, exist_ok=True)
    tiles, cache = [], {}
    for r in results:
        if r["clip"] not in cache:
            cache = {r["clip"]: _frames(data / CLIPS[r["clip"]])}
        frame = cache[r["clip"]][r["frame"] - 1]
        x1, y1, x2, y2 = r["box"]
        crop = frame[max(0, y1):y2, max(0, x1):x2]
        s = min(150 / crop.shape[0], 180 / crop.shape[1])
        crop = cv2.resize(crop, (max(1, int(crop.shape[1] * s)), max(1, int(crop.shape[0] * s))))
        tile = np.full((190, 190, 3), 255, np.uint8)
        tile[36:36 + crop.shape[0], : crop.shape[1]] = crop
        ok = (0, 120, 0) if r["product"] == r["colour"] else (0, 0, 220)
        cv2.putText(tile, f"{r['clip'][:10]} {r['frame']}", (2, 13), 0, 0.4, (0, 0, 0), 1)
        cv2.putText(tile, f"{r['colour']} -> {r['product']}", (2, 30), 0, 0.45, ok, 1)
        tiles.append(tile)
    for s in range(0, len(tiles), per):
        part = tiles[s: s + per] + [np.full((190, 190, 3), 200, np.uint8)] * (per - len(tiles[s: s + per]))
        cv2.imwrite(str(out / f"colour_{s // per:02d}.png"), np.vstack([np.hstack(part[i: i + 6]) for i in range(0, per, 6)]))


def _frames(path: Path) -> list[np.ndarray]:
    cap, frames = cv2.VideoCapture(str(path)), []
    while True:
        ok, f = cap.read()
        if not ok:
            return frames
        frames.append(f)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--sheets", type=Path, help="write contact sheets (label -> prediction) here")
    parser.add_argument("--split", choices=SPLITS, default="all",
                        help="evaluate only this split (tune while choosing thresholds)")
    parser.add_argument("--no-track", dest="track", action="store_false",
                        help="skip the track-level naming (several frames per object; ~2 more passes)")
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    labels = [r for r in load_labels() if args.split in ("all", r["split"])]
    t0 = time.perf_counter()
    results = predict(data, labels)
    if args.track:
        tracked, views = track_colours(data, labels)
        for r in results:
            r["track"] = tracked[_key(r)]
            r["track_views"] = views.get(_key(r), 0)
    summary: dict = {"n": len(results), "seconds": round(time.perf_counter() - t0, 1),
                     "load_avg_1m": round(os.getloadavg()[0], 2)}
    for key in ("product", "still", "baseline") + (("track",) if args.track else ()):
        summary[key] = {split: accuracy([r for r in results if split == "all" or r["split"] == split], key)
                        for split in SPLITS}
    summary["accuracy"] = summary["product"]["all"]
    summary["accuracy_heldout"] = summary["product"]["heldout"]
    summary["accuracy_fresh"] = summary["product"]["fresh"]
    summary["accuracy_fresh2"] = summary["product"]["fresh2"]
    unseen = [r for r in results if r["split"] != "tune"]
    summary["accuracy_not_tuned"] = accuracy(unseen, "product")
    if args.track:
        summary["accuracy_track_not_tuned"] = accuracy(unseen, "track")
        summary["track_views_mean"] = {split: round(float(np.mean([r["track_views"] for r in results
                                                                    if split == "all" or r["split"] == split])), 2)
                                       for split in SPLITS if any(split in ("all", r["split"]) for r in results)}
        summary["confusion_track_not_tuned"] = confusion(unseen, "track") if unseen else {}
    summary["night_unknown_rate"] = round(sum(r["night"] == UNKNOWN[0] for r in results) / len(results), 3)
    summary["per_class"] = {c: accuracy([r for r in results if r["class"] == c], "product")
                            for c in sorted({r["class"] for r in results})}
    keys = ("product", "track") if args.track else ("product",)
    summary["per_class_split"] = {
        key: {split: {c: accuracy([r for r in results if r["class"] == c and split in ("all", r["split"])], key)
                      for c in sorted({r["class"] for r in results if split in ("all", r["split"])})}
              for split in SPLITS} for key in keys}
    summary["per_colour"] = {split: per_colour([r for r in results if split == "all" or r["split"] == split])
                             for split in SPLITS}
    summary["confusion"] = confusion(results, "product")
    summary["confusion_not_tuned"] = confusion(unseen, "product") if unseen else {}
    print("all crops:")
    print_confusion(summary["confusion"])
    if unseen:
        print("not tuned on (heldout + fresh + fresh2):")
        print_confusion(summary["confusion_not_tuned"])
        if args.track:
            print("track (several frames), not tuned on:")
            print_confusion(summary["confusion_track_not_tuned"])
    print(json.dumps({k: v for k, v in summary.items() if not k.startswith(("confusion", "per_colour"))}, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "crops": results}, indent=2))
    if args.sheets:
        write_sheets(results, data, args.sheets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
