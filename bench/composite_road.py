"""Real parts for the road composites (bench/composite_scenes.py): a real road, real traffic along
its real lanes, real people and a real cyclist, at the clip's own scale and perspective.

- Road: CDnet 2014 highway (320x240, camera over a one-way carriageway, cars approach the camera
  and grow from ~25 px to ~80 px wide). The empty road is the per-pixel median of the clip.
- Traffic: every car that CDnet's ground-truth masks show passing cleanly (one blob per frame,
  no merges with a neighbour) is a `CarTrack`: its pixels and mask in every frame of its real
  passage, at its real place. Replaying a track draws the car exactly where, how big and how
  fast it really drove; tracks are replayed at other times, so traffic keeps flowing.
- Perspective: car width against the row of its bottom edge, fitted on the same masks
  (w = 0.29 y + 14 px); a person is 1.7 m tall and a car 1.8 m wide, so a person standing at row
  y is about 0.94 w(y) px tall.
- People: PETS09-S2L1 walkers (several consecutive frames of one identity: the legs move) cut
  out against the clip's median plate inside clear MOT boxes. A person standing still is one
  frame of a walker, held (the footage has no clean standing person outdoors: the Intel
  one-by-one people stand behind a table that the plate difference cuts out with them).
- Cyclist: the rider on the hard shoulder of bgslibrary video02 (seen from behind), several
  frames of pedalling, cut against that clip's plate.

Everything is seeded and deterministic. None of the footage is stored: it is read from
VMS_TEST_DATA each run.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from clips import read_frames
from composite import Cutout, _clear_of_others, cut, plate

HIGHWAY = Path("cdnet_highway")
SIZE = (320, 240)  # the road clip's own size; scenes are rendered at 2x (640x480)
CAR_W = (0.29, 14.0)  # car width px = a * bottom row + b (fitted on the ground-truth masks)
PERSON_PER_CAR_W = 1.7 / 1.8


def car_width(y: float) -> float:
    """Width in px of a car whose bottom edge is at row `y` (road clip pixels)."""
    return CAR_W[0] * y + CAR_W[1]


def person_height(y: float) -> float:
    """Height in px of a person standing with the feet at row `y`."""
    return PERSON_PER_CAR_W * car_width(y)


@dataclass(frozen=True)
class CarTrack:
    """One real car's passage: per sample (at 10 fps) its xyxy box and its cutout."""

    name: str
    boxes: np.ndarray  # (n, 4) int xyxy in road-clip pixels
    cutouts: list[Cutout]

    def __len__(self) -> int:
        return len(self.cutouts)

    def bottom(self, k: int) -> float:
        return float(self.boxes[k, 3])

    def centre_x(self, k: int) -> float:
        return float(self.boxes[k, 0] + self.boxes[k, 2]) / 2

    def sample_at_row(self, y: float) -> int:
        """First sample whose bottom edge reached row `y` (the last one if it never does)."""
        hits = np.flatnonzero(self.boxes[:, 3] >= y)
        return int(hits[0]) if len(hits) else len(self) - 1


@dataclass(frozen=True)
class RoadAssets:
    """Everything a road scene needs, cut once per run."""

    plate: np.ndarray  # (240, 320, 3) uint8 the empty road
    tracks: list[CarTrack]
    walkers: list[list[Cutout]]  # per identity, consecutive frames of walking
    cyclist: list[Cutout]  # consecutive frames of pedalling (seen from behind)


def held_out(name: str, share: int = 3) -> bool:
    """The seeded unseen part: about one asset in `share` is kept for the unseen scenes only."""
    return zlib.crc32(name.encode()) % share == 0


def _blobs(mask: np.ndarray, min_area: int) -> list[tuple[int, int, int, int, int]]:
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return [(int(x), int(y), int(x + w), int(y + h), int(a)) for x, y, w, h, a in stats[1:n] if a >= min_area]


def _iou(a: tuple, b: tuple) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def _link(data: Path, frames: list[np.ndarray]) -> list[list[tuple]]:
    """Ground-truth blobs linked frame to frame (one overlapping blob each way); a passage is cut
    where its blob merges with a neighbour or splits (its area jumps)."""
    root = data / HIGHWAY
    start, end = (int(v) for v in (root / "temporalROI.txt").read_text().split()[:2])
    live: list[list[tuple]] = []
    done: list[list[tuple]] = []
    for index in range(start, min(end, len(frames)) + 1):
        gt = cv2.imread(str(root / "groundtruth" / f"gt{index:06d}.png"), cv2.IMREAD_GRAYSCALE)
        mask = ((gt == 255) * 255).astype(np.uint8)
        blobs = _blobs(mask, 30)
        claims = [[i for i, b in enumerate(blobs) if _iou(run[-1][1], b[:4]) > 0.3] for run in live]
        counts = np.bincount([i for c in claims for i in c], minlength=len(blobs))
        kept, used = [], set()
        for run, claim in zip(live, claims):
            b = blobs[claim[0]] if len(claim) == 1 and counts[claim[0]] == 1 else None
            if b is None or not 0.7 <= b[4] / max(run[-1][3], 1) <= 1.45:
                done.append(run)
                continue
            run.append((index, b[:4], mask[b[1]:b[3], b[0]:b[2]] > 0, b[4]))
            kept.append(run)
            used.add(claim[0])
        live = kept + [[(index, b[:4], mask[b[1]:b[3], b[0]:b[2]] > 0, b[4])]
                       for i, b in enumerate(blobs) if i not in used and counts[i] == 0]
    return done + live


def car_tracks(data: Path, frames: list[np.ndarray], step: int = 3) -> list[CarTrack]:
    """Clean car passages from CDnet highway's ground-truth masks (frames 470-1700, 30 fps):
    seen as one blob per frame from the far part of the road (bottom above row 110) to the near
    part (below row 200), sampled every `step` frames (10 fps)."""
    out = []
    for run in _link(data, frames):
        samples = run[::step]
        if len(samples) < 8 or samples[0][1][3] > 110 or samples[-1][1][3] < 200:
            continue
        boxes = np.array([s[1] for s in samples], np.int32)
        name = f"highway_{samples[0][0]}_{samples[0][1][0]}"
        cutouts = [Cutout(name, frames[f - 1][y1:y2, x1:x2].copy(), cv2.GaussianBlur(m.astype(np.float32), (3, 3), 0))
                   for f, (x1, y1, x2, y2), m, _ in samples]
        out.append(CarTrack(name, boxes, cutouts))
    return out


def pets_walkers(data: Path, count: int = 12, frames_each: int = 7, min_height: int = 70) -> list[list[Cutout]]:
    """PETS09 identities, each as `frames_each` consecutive clear cut-out frames (a walk cycle at 7 fps)."""
    frames = read_frames(data / "pets09_s2l1" / "pets09_s2l1_view001_h264.mp4")
    background = plate(frames[::8])
    rows = np.loadtxt(data / "pets09_s2l1" / "gt.txt", delimiter=",", ndmin=2)
    h, w = frames[0].shape[:2]
    out: list[list[Cutout]] = []
    for pid in np.unique(rows[:, 1]).astype(int):
        mine = rows[rows[:, 1] == pid]
        run: list[Cutout] = []
        for r in mine:
            f = int(r[0])
            here = rows[rows[:, 0] == f]
            boxes = np.stack([here[:, 2], here[:, 3], here[:, 2] + here[:, 4], here[:, 3] + here[:, 5]], 1)
            box = np.array([r[2], r[3], r[2] + r[4], r[3] + r[5]])
            x1, y1, x2, y2 = (int(v) for v in box)
            ok = (y2 - y1 >= min_height and x1 > 10 and y1 > 10 and x2 < w - 10 and y2 < h - 10
                  and _clear_of_others(box, boxes, pad=8))
            piece = cut(frames[f - 1], background, (x1 - 4, y1 - 4, x2 + 4, y2 + 4), f"pets_{pid}") if ok else None
            run = run + [piece] if piece is not None else []
            if len(run) == frames_each:
                out.append(run)
                break
        if len(out) == count:
            break
    return out


def cyclist(data: Path, first: int = 100, last: int = 200, step: int = 4) -> list[Cutout]:
    """The cyclist on bgslibrary video02's hard shoulder, pedalling away from the camera."""
    frames = read_frames(data / "bgslibrary" / "video02.avi")
    background = plate(frames[:: max(1, len(frames) // 60)])
    out = []
    for f in range(first, last, step):
        diff = cv2.absdiff(frames[f - 1], background).astype(np.int32).sum(axis=2)
        region = (diff[:, 230:] > 40).astype(np.uint8) * 255
        blobs = [b for b in _blobs(region, 60) if b[3] - b[1] > 25 and b[1] > 60]
        if not blobs:
            continue
        x1, y1, x2, y2, _ = max(blobs, key=lambda b: b[4])
        piece = cut(frames[f - 1], background, (x1 + 228, y1 - 2, x2 + 232, y2 + 2), f"cyclist_{f}")
        if piece is not None and 1.8 <= piece.alpha.shape[0] / piece.alpha.shape[1] <= 3.2:
            out.append(piece)
    return out


def road_assets(data: Path) -> RoadAssets:
    frames = read_frames(data / HIGHWAY / "highway_input_h264.mp4")
    return RoadAssets(
        plate=plate(frames[::20]),
        tracks=car_tracks(data, frames),
        walkers=pets_walkers(data),
        cyclist=cyclist(data),
    )
