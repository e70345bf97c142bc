"""Car-track ground truth for CDnet 2014 baseline/highway, built from its per-pixel masks.

CDnet ships no object boxes, only a label per pixel (255 = moving object, 170 = unknown: the
object's border band, 50 = shadow, 0 = background). Cars drive towards the camera and grow from
~8 px to ~90 px wide: the clip a tracker must hold "one object, one id" on while it approaches.

How the truth is built (deterministic, no hand edits; run with `--check DIR` to draw it):
1. Per frame of the temporal ROI (470-1700): 8-connected components of the 255 label. The
   unknown border band (170) is not part of a component, so touching cars stay apart unless
   their cores touch; the box is the component's bounding box grown by the band (1 px).
   Components smaller than MIN_AREA px are noise (leaf flicker, mask specks) and are dropped.
2. Fragments of one car (a mask cut by a dark windscreen line) are joined: a component whose box
   lies mostly (>= 60 %) inside a bigger one's box, grown by 2 px, belongs to it.
   Cars queueing in one lane overlap in the picture (the camera looks down the road), so one
   component can hold two or three cars. Perspective makes a car's width a linear function of
   its bottom row here (median widths of all blobs: 16 px at row 10, 50 at 130, 80 at 230:
   `car_width(y2) = 14.4 + 0.285 * y2`, cars' own height/width is 0.8-1.07, a van's 1.3-1.4);
   a new blob taller than 1.5 or wider than 1.4 expected car widths is several cars, and so is
   a tracked car's blob that suddenly grows 1.2x taller than its own running shape (the car
   behind caught up), or a blob splitting off a group blob, taller than 1.15 car widths, with no
   known member to be; all become ignore regions.
3. Frames are linked by IoU (Hungarian, IoU >= 0.3; at 30 fps a car moves < 1/4 of its size
   between frames). A blob that overlaps two live tracks (cars whose masks touched), or one of
   two blobs that split off one track, is *ambiguous*: its box becomes an ignore region (a
   tracker output overlapping it is neither a hit nor a false positive). The tracks that went
   into it stay members of the group blob while it moves (up to 5 s); a clean blob that comes
   out of it takes the id of the member nearest to its constant-velocity prediction (within
   1.5 car widths), so a car that was one blob with the car ahead keeps its id.
4. Far cars are tiny: boxes under MIN_HEIGHT px tall are ignore regions too (no detector at
   this resolution finds an 8x6 px car; a tracker is not scored on them either way), and so is
   the opposite carriageway at the top right, seen end on through the crash barrier.

Limits (read results with these in mind): cars whose cores touch for a long time are one
ignore blob; a car split by the mask into two separate parts of similar size counts as two
blobs in those frames (rare, seen on dark cars in shadow); boxes come from the motion masks, so
they are tight (no shadow) and can be a pixel or two off where CDnet's annotators were.

CDnet's licence does not grant redistribution, so the truth is rebuilt from `VMS_TEST_DATA`
on every run (about 2 s); nothing derived from it is committed.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

MIN_AREA = 20  # px: smaller components are mask noise
MIN_HEIGHT = 14  # px: smaller boxes are far cars scored as ignore regions
LINK_IOU = 0.3
MAX_HIDDEN = 150  # frames a car may stay hidden in a group blob and keep its id
FAR_SIDE = (285, 0, 320, 60)
TALL, WIDE = 1.5, 1.4  # a blob this many expected car widths tall / wide holds several cars
GROW = 1.2  # a track's blob suddenly this much taller (vs its width) took in the car behind


def car_width(y2: np.ndarray) -> np.ndarray:
    """Expected width (px) of one car whose box ends at row `y2` (fitted on this clip's blobs)."""
    return 14.4 + 0.285 * np.asarray(y2, float)


def single_car(boxes: np.ndarray) -> np.ndarray:
    """(n,) bool: the blob's size fits one car at its row (not a queue of overlapping cars)."""
    we = car_width(boxes[:, 3])
    return (boxes[:, 3] - boxes[:, 1] <= TALL * we) & (boxes[:, 2] - boxes[:, 0] <= WIDE * we)  # opposite carriageway seen through the barrier: ignored


@dataclass
class CarTruth:
    """Per frame (1-based): ids (n,) int, boxes (n, 4) xyxy, ignore (k, 4) xyxy."""

    frames: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    first: int = 470
    last: int = 1700

    def gt(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """MOT-style {frame: (ids, xywh)}."""
        out = {}
        for f, (ids, xyxy, _) in self.frames.items():
            out[f] = (ids, np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1))
        return out

    def ignore(self) -> dict[int, np.ndarray]:
        return {f: ign for f, (_, _, ign) in self.frames.items()}


def blobs(mask: np.ndarray) -> np.ndarray:
    """(n, 4) float xyxy boxes of the cars in one CDnet label image (steps 1-2)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats((mask == 255).astype(np.uint8), connectivity=8)
    st = stats[1:]
    st = st[st[:, cv2.CC_STAT_AREA] >= MIN_AREA]
    if not len(st):
        return np.zeros((0, 4))
    x, y, w, h = (st[:, i].astype(float) for i in range(4))
    boxes = np.stack([x - 1, y - 1, x + w + 1, y + h + 1], axis=1)
    order = np.argsort(-(w * h))
    boxes = boxes[order]
    keep: list[np.ndarray] = []
    for b in boxes:  # largest first: fragments join the car that contains them
        for i, k in enumerate(keep):
            lo = np.maximum(b[:2], k[:2] - 2)
            hi = np.minimum(b[2:], k[2:] + 2)
            inside = np.prod(np.clip(hi - lo, 0, None)) / max(np.prod(b[2:] - b[:2]), 1)
            if inside >= 0.6:
                keep[i] = np.concatenate([np.minimum(k[:2], b[:2]), np.maximum(k[2:], b[2:])])
                break
        else:
            keep.append(b)
    h, w = mask.shape
    out = np.array(keep)
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, w)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, h)
    return out


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area = lambda z: np.prod(z[:, 2:] - z[:, :2], axis=1)  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, 1e-9)


@dataclass
class _Track:
    tid: int
    box: np.ndarray
    vel: np.ndarray  # (4,) px per frame
    last: int
    shape: float  # running height / expected car width of its blobs (vans are taller than cars)

    def predict(self, f: int) -> np.ndarray:
        return self.box + self.vel * (f - self.last)


@dataclass
class _Group:
    """An ambiguous blob (several cars in one mask component) and the tracks hidden in it."""

    box: np.ndarray
    members: list[_Track]


class _Linker:
    """Links per-frame blobs into tracks (step 3); `step` once per frame."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        self.live: list[_Track] = []
        self.groups: list[_Group] = []
        self._orphans: list[_Track] = []
        self.next_id = 1

    def step(self, f: int, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Returns (ids (n,) with 0 = none, clean (n,) bool) for this frame's blobs."""
        pred = np.array([t.predict(f) for t in self.live]).reshape(-1, 4)
        iou = _iou(pred, boxes)
        touch = iou >= 0.1
        clean = single_car(boxes) & (touch.sum(axis=0) < 2)  # merges: one blob, two cars
        for ti in np.flatnonzero(touch.sum(axis=1) >= 2):  # splits: one car, two blobs
            clean &= ~touch[ti]
        ratio = (boxes[:, 3] - boxes[:, 1]) / car_width(boxes[:, 3])
        shape = np.array([t.shape for t in self.live]).reshape(-1, 1)
        grew = (iou >= LINK_IOU) & (ratio[None, :] > np.maximum(GROW * shape, 1.0))
        clean &= ~grew.any(axis=0)  # a car caught up from behind: now one blob with it
        cost = np.where((iou >= LINK_IOU) & clean[None, :], 1 - iou, 10.0)
        rows, cols = linear_sum_assignment(cost) if cost.size else (np.zeros(0, int), np.zeros(0, int))
        ok = cost[rows, cols] < 10.0
        ids = np.zeros(len(boxes), int)
        for r, c in zip(rows[ok], cols[ok]):
            self._extend(self.live[r], boxes[c], f)
            ids[c] = self.live[r].tid
        matched = set(rows[ok].tolist())
        hidden = [(t, touch[i]) for i, t in enumerate(self.live) if i not in matched]
        self.live = [t for i, t in enumerate(self.live) if i in matched]
        for c in np.flatnonzero(clean & (ids == 0)):
            ids[c] = self._emerge(f, boxes[c])
            clean[c] = ids[c] > 0
        self._regroup(f, boxes, clean, hidden)
        return ids, clean

    def _extend(self, t: _Track, box: np.ndarray, f: int) -> None:
        t.vel = 0.5 * t.vel + 0.5 * (box - t.box) / max(f - t.last, 1)
        t.shape = 0.8 * t.shape + 0.2 * _ratio(box)
        t.box, t.last = box, f

    def _regroup(self, f: int, boxes: np.ndarray, clean: np.ndarray, hidden: list) -> None:
        """Ambiguous blobs become groups holding the tracks that went into them."""
        amb = np.flatnonzero(~clean)
        old = self.groups
        self.groups = [_Group(boxes[c], []) for c in amb]
        leftovers: list[_Track] = []
        for t, tch in hidden:  # a track that went into an ambiguous blob is hidden in it
            hit = np.flatnonzero(tch[amb]) if len(amb) else np.zeros(0, int)
            if len(hit):
                self.groups[int(hit[0])].members.append(t)
            elif f - t.last <= 3:  # a mask flicker: keep it visible a few frames
                self.live.append(t)
            else:
                leftovers.append(t)
        gbox = boxes[amb].reshape(-1, 4)
        ov = _iou(np.array([g.box for g in old]).reshape(-1, 4), gbox)
        for gi, g in enumerate(old):  # groups move on: members follow the blob they are in
            for m in g.members:
                if f - m.last > MAX_HIDDEN:
                    continue
                if not (ov.shape[1] and ov[gi].max() >= 0.1):
                    leftovers.append(m)
                    continue
                # A group that splits in two: each member goes where its prediction lies.
                mine = _iou(m.predict(f)[None], gbox)[0] * (ov[gi] >= 0.1)
                best = int(mine.argmax()) if mine.max() > 0 else int(ov[gi].argmax())
                self.groups[best].members.append(m)
        self._orphans = leftovers  # a group that dissolved: its cars may emerge as clean blobs now

    def _emerge(self, f: int, box: np.ndarray) -> int:
        """Id for a clean blob no live track claimed: a car leaving a group or the one just
        orphaned nearest to its prediction, else a new car. 0: the blob left a group but is
        still taller than the member it would be (two cars still in one blob)."""
        cands: list[tuple[float, _Track, list[_Track]]] = []
        pools = [(g.members, np.inf) for g in self.groups
                 if _iou(g.box[None], box[None])[0, 0] > 0 or _contains(g.box, box)]
        pools.append((self._orphans, 1.5))  # out of a group: one of its members; else nearby only
        for pool, gate in pools:
            for m in pool:
                p = m.predict(f)
                d = np.hypot(*((p[:2] + p[2:]) / 2 - (box[:2] + box[2:]) / 2)) / car_width(box[3])
                if d <= gate:
                    cands.append((float(d), m, pool))
        if cands:
            _, m, pool = min(cands, key=lambda c: c[0])
            if _ratio(box) > max(GROW * m.shape, 1.0):
                return 0
            pool.remove(m)
            self._extend(m, box, f)
            self.live.append(m)
            return m.tid
        if len(pools) > 1 and _ratio(box) > 1.15:
            return 0  # split off a group with no known member, still taller than one car
        t = _Track(self.next_id, box, np.zeros(4), f, _ratio(box))
        self.next_id += 1
        self.live.append(t)
        return t.tid


def _ratio(box: np.ndarray) -> float:
    return float((box[3] - box[1]) / car_width(box[3]))


def _contains(outer: np.ndarray, inner: np.ndarray, slack: float = 4.0) -> bool:
    return bool(np.all(inner[:2] >= outer[:2] - slack) and np.all(inner[2:] <= outer[2:] + slack))


def build(root: Path) -> CarTruth:
    """Build the car tracks from `root` = the cdnet_highway folder (steps 1-4)."""
    first, last = (int(v) for v in (root / "temporalROI.txt").read_text().split()[:2])
    truth = CarTruth(first=first, last=last)
    linker: _Linker | None = None
    for f in range(first, last + 1):
        mask = cv2.imread(str(root / "groundtruth" / f"gt{f:06d}.png"), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise FileNotFoundError(root / "groundtruth" / f"gt{f:06d}.png")
        linker = linker or _Linker(mask.shape)
        boxes = blobs(mask)
        ids, clean = linker.step(f, boxes)
        truth.frames[f] = _split_ignore(boxes, ids, clean)
    return _drop_short(truth)


def _inside(box: np.ndarray, shape: tuple[int, int]) -> bool:
    return box[2] > 0 and box[0] < shape[1] and box[3] > 0 and box[1] < shape[0]


def _split_ignore(boxes: np.ndarray, ids: np.ndarray, clean: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, boxes, ignore boxes): ambiguous, small or far-side boxes are ignore regions."""
    h = boxes[:, 3] - boxes[:, 1]
    far = np.array(FAR_SIDE, float)
    on_far = (boxes[:, 0] >= far[0]) & (boxes[:, 3] <= far[3])
    scored = clean & (ids > 0) & (h >= MIN_HEIGHT) & ~on_far
    return ids[scored], boxes[scored], boxes[~scored]


def _drop_short(truth: CarTruth, min_frames: int = 5) -> CarTruth:
    """Tracks scored in fewer than `min_frames` frames are flicker: their boxes become ignore regions."""
    counts: dict[int, int] = {}
    for ids, _, _ in truth.frames.values():
        for i in ids.tolist():
            counts[i] = counts.get(i, 0) + 1
    for f, (ids, boxes, ign) in truth.frames.items():
        short = np.array([counts[i] < min_frames for i in ids.tolist()], bool)
        truth.frames[f] = (ids[~short], boxes[~short], np.concatenate([ign, boxes[short]]))
    return truth


def draw_check(root: Path, truth: CarTruth, out: Path, every: int = 25) -> None:
    """Write every `every`-th frame with the truth drawn (green: scored with its id, red: ignore)."""
    out.mkdir(parents=True, exist_ok=True)
    cap = cv2.VideoCapture(str(root / "highway_input_h264.mp4"))
    f = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        f += 1
        if f not in truth.frames or (f - truth.first) % every:
            continue
        ids, boxes, ign = truth.frames[f]
        img = cv2.resize(img, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
        for b in ign:
            cv2.rectangle(img, tuple(int(v * 2) for v in b[:2]), tuple(int(v * 2) for v in b[2:]), (0, 0, 255), 1)
        for i, b in zip(ids, boxes):
            cv2.rectangle(img, tuple(int(v * 2) for v in b[:2]), tuple(int(v * 2) for v in b[2:]), (0, 255, 0), 1)
            cv2.putText(img, str(i), (int(b[0] * 2), int(b[1] * 2) - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 255, 0), 1)
        cv2.putText(img, f"frame {f}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        cv2.imwrite(str(out / f"truth_{f:04d}.png"), img)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", type=Path, help="draw every 25th frame with the truth into this folder")
    args = parser.parse_args()
    root = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data")) / "cdnet_highway"
    truth = build(root)
    n_ids = len({i for ids, _, _ in truth.frames.values() for i in ids.tolist()})
    n_boxes = sum(len(ids) for ids, _, _ in truth.frames.values())
    n_ign = sum(len(ign) for _, _, ign in truth.frames.values())
    print(f"frames {len(truth.frames)}  tracks {n_ids}  scored boxes {n_boxes}  ignore boxes {n_ign}")
    if args.check:
        draw_check(root, truth, args.check)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
