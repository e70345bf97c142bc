"""Composite scenes from real footage: real objects cut out of real clips, moved by a script over a
real empty background. For incidents no licensed footage exists of (a hit-and-run), so that the
real detector and tracker can be measured on real pixels with known ground truth.

- Background plate: per-pixel median of frames spread over a clip (moving people vanish).
- Cutouts: an object's pixels inside a box where the frame differs from the plate, cleaned with
  morphology and reduced to the largest blob; kept with a soft-edged alpha mask.
- People: PETS09-S2L1 MOT boxes of people standing clear of everyone else.
- Cars: CDnet highway, cut out with its ground-truth masks (the car-park clip has almost no
  car wholly inside the frame).
- Rendering: cutouts pasted back to front (lower feet = nearer = drawn later), then mild sensor
  noise, so the motion detector sees a living image.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from clips import read_frames

PETS = Path("pets09_s2l1")
DIFF_THRESHOLD = 40  # summed |BGR - plate| counted as object
NOISE_SIGMA = 2.0
IR_GAIN = 0.45  # night: IR picture brightness relative to day
IR_NOISE = 6.0  # night: sensor noise sigma (grey levels)


@dataclass(frozen=True)
class Cutout:
    """An object's pixels and a soft alpha in [0, 1], both (h, w); BGR is (h, w, 3) uint8."""

    name: str
    bgr: np.ndarray
    alpha: np.ndarray

    def scaled(self, height: int) -> Cutout:
        """The same cutout resized to `height` px (aspect kept)."""
        h, w = self.alpha.shape
        size = (max(1, round(w * height / h)), height)
        return Cutout(
            self.name,
            cv2.resize(self.bgr, size, interpolation=cv2.INTER_AREA),
            cv2.resize(self.alpha, size, interpolation=cv2.INTER_AREA),
        )

    def rotated(self, clockwise: bool = True) -> Cutout:
        """Rotated by 90 degrees (a person lying on the road, a car turned to drive across)."""
        code = cv2.ROTATE_90_CLOCKWISE if clockwise else cv2.ROTATE_90_COUNTERCLOCKWISE
        return Cutout(self.name, cv2.rotate(self.bgr, code), cv2.rotate(self.alpha, code))

    def flipped(self) -> Cutout:
        """Mirrored left-right (the same object facing the other way)."""
        return Cutout(self.name, self.bgr[:, ::-1].copy(), self.alpha[:, ::-1].copy())


def plate(frames: list[np.ndarray]) -> np.ndarray:
    """Per-pixel median: the empty scene, as long as nothing stands still for half the clip."""
    return np.median(np.stack(frames), axis=0).astype(np.uint8)


def object_mask(frame: np.ndarray, background: np.ndarray) -> np.ndarray:
    """(h, w) uint8 {0, 255}: where the frame differs from the plate, cleaned."""
    diff = cv2.absdiff(frame, background).astype(np.int32).sum(axis=2)
    mask = ((diff > DIFF_THRESHOLD) * 255).astype(np.uint8)
    mask = _morph(mask, cv2.MORPH_OPEN, 3)
    return _morph(mask, cv2.MORPH_CLOSE, 7)


def _morph(mask: np.ndarray, op: int, size: int) -> np.ndarray:
    """Morphology as if the crop were surrounded by empty ground. Run on the bare crop, OpenCV's
    border rule lets a closing fill the gap between an object and the crop edge (a frame of old
    ground would be pasted along), and a zero border would erode an object touching the edge."""
    kernel = np.ones((size, size), np.uint8)
    padded = cv2.copyMakeBorder(mask, size, size, size, size, cv2.BORDER_CONSTANT, value=0)
    return cv2.morphologyEx(padded, op, kernel)[size:-size, size:-size]


def cut(
    frame: np.ndarray, background: np.ndarray, box: tuple[int, int, int, int], name: str
) -> Cutout | None:
    """The largest object blob inside `box` (xyxy) as a cutout; None when there is none or it
    does not fill the box reasonably (a partial or mixed-up object)."""
    x1, y1, x2, y2 = box
    mask = object_mask(frame[y1:y2, x1:x2], background[y1:y2, x1:x2])
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if count < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    bx, by, bw, bh, area = stats[best]
    if bh < 0.75 * (y2 - y1) or area < 0.3 * (x2 - x1) * (y2 - y1):
        return None
    blob = ((labels[by : by + bh, bx : bx + bw] == best) * 255).astype(np.uint8)
    # Filled holes and a 1 px feathered edge: pasted objects show no halo of the old background.
    alpha = cv2.GaussianBlur(_morph(blob, cv2.MORPH_CLOSE, 5).astype(np.float32) / 255.0, (3, 3), 0)
    return Cutout(name, frame[y1 + by : y1 + by + bh, x1 + bx : x1 + bx + bw].copy(), alpha)


def _clear_of_others(box: np.ndarray, boxes: np.ndarray, pad: float) -> bool:
    """True when no other box of `boxes` (n, 4) comes within `pad` px of `box` (4,)."""
    others = boxes[~(boxes == box).all(axis=1)]
    near = (
        (others[:, 0] < box[2] + pad)
        & (others[:, 2] > box[0] - pad)
        & (others[:, 1] < box[3] + pad)
        & (others[:, 3] > box[1] - pad)
    )
    return not near.any()


def people(data: Path, count: int = 6, min_height: int = 80) -> list[Cutout]:
    """Clear, whole PETS09 people: GT boxes at least `min_height` tall, touching no other box
    and away from the frame edge, one per identity, spread over the clip."""
    frames = read_frames(data / PETS / "pets09_s2l1_view001_h264.mp4")
    background = plate(frames[::8])
    rows = np.loadtxt(data / PETS / "gt.txt", delimiter=",", ndmin=2)
    h, w = frames[0].shape[:2]
    taken: set[int] = set()
    out: list[Cutout] = []
    for frame_no in range(1, len(frames) + 1, 25):
        here = rows[rows[:, 0] == frame_no]
        boxes = np.stack([here[:, 2], here[:, 3], here[:, 2] + here[:, 4], here[:, 3] + here[:, 5]], 1)
        for pid, box in zip(here[:, 1].astype(int), boxes):
            x1, y1, x2, y2 = (int(v) for v in box)
            if pid in taken or y2 - y1 < min_height or x1 < 10 or y1 < 10 or x2 > w - 10 or y2 > h - 10:
                continue
            if not _clear_of_others(box, boxes, pad=8):
                continue
            piece = cut(
                frames[frame_no - 1], background, (x1 - 4, y1 - 4, x2 + 4, y2 + 4), f"pets_person_{pid}"
            )
            if piece is not None:
                out.append(piece)
                taken.add(pid)
            if len(out) == count:
                return out
    return out


def _whole_blobs(mask: np.ndarray, min_area: int, max_share: float = 0.3) -> list[tuple[int, int, int, int]]:
    """xyxy boxes of mask blobs of at least `min_area` px that touch no frame edge; a blob over
    `max_share` of the frame is a lighting change or a cut, not an object."""
    h, w = mask.shape
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return [
        (int(x), int(y), int(x + bw), int(y + bh))
        for x, y, bw, bh, area in stats[1:n]
        if min_area <= area <= max_share * h * w and x > 2 and y > 2 and x + bw < w - 2 and y + bh < h - 2
    ]


def highway_cars(data: Path, count: int = 4, min_area: int = 1_200, gap: int = 60) -> list[Cutout]:
    """Whole cars from CDnet highway, cut out with the ground-truth masks themselves (pixel
    exact), inside the region of interest, at least `gap` frames apart."""
    root = data / "cdnet_highway"
    frames = read_frames(root / "highway_input_h264.mp4")
    roi = cv2.imread(str(root / "ROI.bmp"), cv2.IMREAD_GRAYSCALE) > 0
    start, end = (int(v) for v in (root / "temporalROI.txt").read_text().split()[:2])
    out: list[Cutout] = []
    index = start
    while index <= min(end, len(frames)) and len(out) < count:
        gt = cv2.imread(str(root / "groundtruth" / f"gt{index:06d}.png"), cv2.IMREAD_GRAYSCALE)
        mask = ((gt == 255) * 255).astype(np.uint8)
        found = False
        for x1, y1, x2, y2 in _whole_blobs(mask, min_area):
            if not roi[y1:y2, x1:x2].all():
                continue
            alpha = cv2.GaussianBlur((mask[y1:y2, x1:x2] > 0).astype(np.float32), (3, 3), 0)
            out.append(Cutout(f"highway_car_{index}", frames[index - 1][y1:y2, x1:x2].copy(), alpha))
            found = True
            break
        index += gap if found else 5
    return out


@dataclass(frozen=True)
class Placement:
    """A cutout drawn with its bottom-centre (the ground contact point) at (x, y)."""

    cutout: Cutout
    x: float
    y: float


def paste(canvas: np.ndarray, item: Placement) -> None:
    """Alpha-blend one placed cutout into the canvas in place (clipped at the frame edges)."""
    h, w = item.cutout.alpha.shape
    x1, y1 = round(item.x - w / 2), round(item.y - h)
    cx1, cy1 = max(0, x1), max(0, y1)
    cx2, cy2 = min(canvas.shape[1], x1 + w), min(canvas.shape[0], y1 + h)
    if cx1 >= cx2 or cy1 >= cy2:
        return
    alpha = item.cutout.alpha[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1, None]
    src = item.cutout.bgr[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1].astype(np.float32)
    region = canvas[cy1:cy2, cx1:cx2].astype(np.float32)
    canvas[cy1:cy2, cx1:cx2] = (alpha * src + (1 - alpha) * region).astype(np.uint8)


def render(background: np.ndarray, items: list[Placement], rng: np.random.Generator) -> np.ndarray:
    """One frame: the plate, the cutouts back to front, sensor noise."""
    canvas = background.copy()
    for item in sorted(items, key=lambda p: p.y):
        paste(canvas, item)
    noise = rng.normal(0, NOISE_SIGMA, canvas.shape)
    return np.clip(canvas + noise, 0, 255).astype(np.uint8)


def night_ir(bgr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """What a commune camera shows at night with its IR lamps on: grey, darker (IR_GAIN), a
    brighter centre where the lamps reach, and more sensor noise (IR_NOISE)."""
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    h, w = grey.shape
    yy, xx = np.mgrid[0:h, 0:w]
    lamp = 1.0 - 0.5 * (((xx - w / 2) / w) ** 2 + ((yy - h * 0.6) / h) ** 2) * 2.0
    lit = grey * IR_GAIN * np.clip(lamp, 0.3, 1.0) + rng.normal(0, IR_NOISE, grey.shape)
    return cv2.cvtColor(np.clip(lit, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
