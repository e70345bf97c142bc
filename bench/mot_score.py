"""Scoring tracker output against ground truth with motmetrics (CLEAR MOT + IDF1, IoU >= 0.5).

Shared by bench/detect_eval.py and bench/track_tune.py. Ground truth is per frame (1-based):
ids, xyxy boxes, and optional ignore regions (boxes a tracker is not scored on: a hypothesis
lying mostly inside one (>= 50 % of its area) that matches no scored box is dropped, the way the
MOT17 devkit drops hypotheses on distractors). Metrics are computed on the frames that were
analysed only, so a 5 fps run is scored on its own frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import motmetrics as mm
import numpy as np

from detectors.types import Detections, box_iou

METRICS = ["mota", "idf1", "precision", "recall", "num_switches", "num_fragmentations",
           "num_unique_objects", "mostly_tracked", "num_false_positives", "num_misses"]


@dataclass
class Truth:
    """Ground truth of one clip: {frame: (ids (n,), xyxy (n, 4))}, ignore {frame: (k, 4)},
    and the project class ids the truth is about (tracks of other classes are not scored)."""

    boxes: dict[int, tuple[np.ndarray, np.ndarray]]
    classes: list[int]
    ignore: dict[int, np.ndarray] = field(default_factory=dict)
    frames: tuple[int, int] | None = None  # (first, last) scored frame, inclusive; None = all

    def scored(self, frame: int) -> bool:
        return self.frames is None or self.frames[0] <= frame <= self.frames[1]


def load_mot_gt(path: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """MOT gt.txt (`frame,id,left,top,width,height,conf,...`) -> {frame: (ids, xyxy)}; conf 0 rows
    are MOT's "ignore" and left out."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    rows = rows[rows[:, 6] != 0]
    out = {}
    for f in np.unique(rows[:, 0]):
        r = rows[rows[:, 0] == f]
        out[int(f)] = (r[:, 1].astype(int), np.concatenate([r[:, 2:4], r[:, 2:4] + r[:, 4:6]], axis=1))
    return out


def _drop_on_ignore(dets: Detections, iou: np.ndarray, ignore: np.ndarray | None) -> tuple[Detections, np.ndarray]:
    if ignore is None or not len(ignore) or not len(dets):
        return dets, iou
    lo = np.maximum(dets.xyxy[:, None, :2], ignore[None, :, :2])
    hi = np.minimum(dets.xyxy[:, None, 2:], ignore[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area = np.maximum(np.prod(dets.xyxy[:, 2:] - dets.xyxy[:, :2], axis=1), 1.0)
    inside = (inter / area[:, None]).max(axis=1) >= 0.5
    matched = (iou >= 0.5).any(axis=0) if iou.shape[0] else np.zeros(len(dets), bool)
    keep = ~(inside & ~matched)
    return dets[keep], iou[:, keep]


def _accumulate(tracks: dict[int, Detections], truth: Truth, frames: set[int] | None
                ) -> tuple[mm.MOTAccumulator, list[int]]:
    """The motmetrics accumulator over the scored frames, and those frames in order."""
    acc = mm.MOTAccumulator(auto_id=True)
    done = []
    for f in sorted(tracks):
        if (frames is not None and f not in frames) or not truth.scored(f):
            continue
        dets = tracks[f]
        dets = dets[np.isin(dets.class_id, truth.classes)]
        gid, gxyxy = truth.boxes.get(f, (np.zeros(0, int), np.zeros((0, 4))))
        iou = box_iou(gxyxy, dets.xyxy)
        dets, iou = _drop_on_ignore(dets, iou, truth.ignore.get(f))
        # motmetrics 1.4's iou_matrix uses np.asfarray (gone in NumPy 2): the same rule by hand,
        # distance 1 - IoU, no match (NaN) below IoU 0.5.
        acc.update(gid.tolist(), dets.tracker_id.tolist(), np.where(iou >= 0.5, 1.0 - iou, np.nan))
        done.append(f)
    return acc, done


def per_frame(tracks: dict[int, Detections], truth: Truth) -> list[dict[str, int]]:
    """One row per scored frame: frame, gt, tp, fn (misses), fp, idsw (switches), for a breakdown
    of where MOTA is lost (start-up, occlusions, a false track that lives on)."""
    acc, frames = _accumulate(tracks, truth, None)
    events = acc.mot_events
    rows = []
    for k, f in enumerate(frames):
        kinds = events.loc[k].Type.value_counts() if k in events.index.get_level_values(0) else {}
        get = lambda name: int(kinds.get(name, 0))  # noqa: E731
        rows.append({"frame": f, "gt": len(truth.boxes.get(f, ([],))[0]), "tp": get("MATCH") + get("SWITCH"),
                     "fn": get("MISS"), "fp": get("FP"), "idsw": get("SWITCH")})
    return rows


def track_breakdown(tracks: dict[int, Detections], truth: Truth, fps: float) -> dict[str, float]:
    """Where the false positives and misses come from: FP frames of tracks that never match the
    truth (a false object tracked) vs of tracks that do (box off the truth by IoU < 0.5 for a
    while: two people under one box, a partly hidden person), and misses in the first second of
    each truth track's first second in the clip (start-up: `fps` = the clip's frame rate) vs later."""
    acc, frames = _accumulate(tracks, truth, None)
    ev = acc.mot_events
    fp = ev[ev.Type == "FP"].HId.value_counts()
    matched = set(ev[ev.Type.isin(["MATCH", "SWITCH"])].HId.unique())
    pure = [h for h in fp.index if h not in matched]
    misses = ev[ev.Type == "MISS"]
    first_frame: dict[int, int] = {}
    for f in frames:
        for gid in truth.boxes.get(f, (np.zeros(0, int),))[0].tolist():
            first_frame.setdefault(gid, f)
    frame_of = np.array(frames)[misses.index.get_level_values(0)] if len(misses) else np.zeros(0)
    start = np.array([first_frame.get(int(o), 0) for o in misses.OId]) if len(misses) else np.zeros(0)
    early = (frame_of - start) < fps
    return {"fp": float(fp.sum()), "fp_false_tracks": float(fp[pure].sum()), "false_tracks": float(len(pure)),
            "fp_off_truth": float(fp.sum() - fp[pure].sum()), "fn": float(len(misses)),
            "fn_first_second": float(early.sum()), "idsw": float((ev.Type == "SWITCH").sum())}


def score(tracks: dict[int, Detections], truth: Truth, frames: set[int] | None = None) -> dict[str, float]:
    """Metrics over the analysed frames `tracks` (frame number -> that frame's tracker output),
    restricted to `frames` when given (e.g. one half of a clip)."""
    acc, _ = _accumulate(tracks, truth, frames)
    summary = mm.metrics.create().compute(acc, metrics=METRICS, name="x")
    out = {k: float(summary[k].iloc[0]) for k in summary.columns}
    gt_tracks = max(out["num_unique_objects"], 1.0)
    out["switches_per_gt"] = out["num_switches"] / gt_tracks
    out["fragments_per_gt"] = out["num_fragmentations"] / gt_tracks
    return out


def identity_breakdown(tracks: dict[int, Detections], truth: Truth) -> list[dict[str, float]]:
    """Per truth track, where its identity is lost (what IDF1 counts): frames it is in the truth,
    frames matched, the distinct track ids that matched it, the frames of its longest-held id,
    switches, fragments, and of those ids how many also matched another truth track (one track
    box passing from one person to another)."""
    acc, _ = _accumulate(tracks, truth, None)
    ev = acc.mot_events
    hit = ev[ev.Type.isin(["MATCH", "SWITCH"])]
    owners = hit.groupby("HId").OId.nunique()
    rows = []
    for oid, g in ev[ev.OId.notna()].groupby("OId"):
        h = g[g.Type.isin(["MATCH", "SWITCH"])]
        counts = h.HId.value_counts()
        seen = g.Type.isin(["MATCH", "SWITCH"]).to_numpy().astype(int)
        runs = int(seen[:1].sum() + (np.diff(seen) == 1).sum())  # stretches of matched frames
        rows.append({"gt": float(oid), "frames": float(len(g)), "matched": float(seen.sum()),
                     "ids": float(len(counts)), "longest_id": float(counts.max() if len(counts) else 0),
                     "switches": float((g.Type == "SWITCH").sum()),
                     "fragments": float(max(0, runs - 1)),
                     "shared_ids": float(sum(owners.get(hid, 1) > 1 for hid in counts.index))})
    return rows
