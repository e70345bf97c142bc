"""Hot-path data types shared by every stage after motion: `Detections` and the class table.

Contract (kept small and stable; event rules build on it):

- `Detections` is a struct of parallel arrays, one row per object, never a list of objects.
    - `xyxy`       (n, 4) float32, pixel corners x1, y1, x2, y2 in full-frame coordinates.
    - `confidence` (n,)   float32 in [0, 1].
    - `class_id`   (n,)   int32, a `ClassId` value (project ids, not raw COCO indices).
    - `tracker_id` (n,)   int64, -1 means "not tracked yet".
    - `data`       dict[str, np.ndarray], each array has first dimension n (e.g. "speed_px_s").
- Index with a boolean mask, an integer array or a slice: `dets[dets.confidence > 0.5]`
  always returns a `Detections` (never a scalar row).
- `len(dets)`, `Detections.empty()`, `Detections.merge([a, b])`, `dets.is_empty()`.
- Instances are treated as immutable by convention: stages build new ones instead of
  writing into arrays they were given.

Tracker output (what event rules consume): `PipelineResult.tracks` is a `Detections` whose
rows are the tracks matched in this frame: `tracker_id >= 1` (stable through short
occlusions, never reused), `class_id` = the track's confidence-weighted class vote, `xyxy` =
the Kalman-filtered box, `confidence` = this frame's detection score. `anchors()` gives the
bottom-centre point (feet, wheels) for zone and line tests. Finished tracks come out once as
`detectors.attributes.TrackSummary` (class, colour, direction, speed, snapshot, first/last ts).

Classes: only the six road/people classes matter to the product. Backends map their own
label space (COCO 80/90, YOLO) to `ClassId` and drop everything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class ClassId(IntEnum):
    """Project class ids. Stable: stored in events and search indexes."""

    PERSON = 0
    BICYCLE = 1
    MOTORBIKE = 2
    CAR = 3
    BUS = 4
    TRUCK = 5


# Names in English (COCO says "motorcycle"; the product says "motorbike") and Vietnamese.
CLASS_NAMES_EN: dict[ClassId, str] = {
    ClassId.PERSON: "person",
    ClassId.BICYCLE: "bicycle",
    ClassId.MOTORBIKE: "motorbike",
    ClassId.CAR: "car",
    ClassId.BUS: "bus",
    ClassId.TRUCK: "truck",
}
CLASS_NAMES_VI: dict[ClassId, str] = {
    ClassId.PERSON: "người",
    ClassId.BICYCLE: "xe đạp",
    ClassId.MOTORBIKE: "xe máy",
    ClassId.CAR: "ô tô",
    ClassId.BUS: "xe buýt",
    ClassId.TRUCK: "xe tải",
}
VEHICLE_CLASSES: frozenset[ClassId] = frozenset(
    {ClassId.BICYCLE, ClassId.MOTORBIKE, ClassId.CAR, ClassId.BUS, ClassId.TRUCK}
)

# Label names as detectors spell them -> project class (COCO says "motorcycle").
NAME_TO_CLASS: dict[str, ClassId] = {
    "person": ClassId.PERSON,
    "bicycle": ClassId.BICYCLE,
    "motorcycle": ClassId.MOTORBIKE,
    "motorbike": ClassId.MOTORBIKE,
    "car": ClassId.CAR,
    "bus": ClassId.BUS,
    "truck": ClassId.TRUCK,
}

# COCO 80-class contiguous index (YOLO / ultralytics order) -> project class.
COCO80_TO_CLASS: dict[int, ClassId] = {
    0: ClassId.PERSON,
    1: ClassId.BICYCLE,
    2: ClassId.CAR,
    3: ClassId.MOTORBIKE,
    5: ClassId.BUS,
    7: ClassId.TRUCK,
}
# COCO 91-id space with gaps (TensorFlow object-detection SSD models, 1-based) -> project class.
COCO91_TO_CLASS: dict[int, ClassId] = {
    1: ClassId.PERSON,
    2: ClassId.BICYCLE,
    3: ClassId.CAR,
    4: ClassId.MOTORBIKE,
    6: ClassId.BUS,
    8: ClassId.TRUCK,
}


def class_lookup(mapping: dict[int, ClassId], size: int = 256) -> np.ndarray:
    """Build a vectorised lookup table: raw label -> project class id, -1 for unwanted labels.

    Returns:
        (size,) int32 array; index it with raw integer labels.
    """
    table = np.full(size, -1, dtype=np.int32)
    for raw, cls in mapping.items():
        table[raw] = int(cls)
    return table


def lookup_from_names(names: dict[int, str], size: int | None = None) -> np.ndarray:
    """Lookup table raw label -> project class id (-1 = unwanted) from a backend's label names."""
    size = size or (max(names) + 1 if names else 1)
    return class_lookup(
        {i: NAME_TO_CLASS[n.strip().lower()] for i, n in names.items() if n.strip().lower() in NAME_TO_CLASS},
        size,
    )


def _as(arr: np.ndarray | Iterable, dtype: type, shape_tail: tuple[int, ...] = ()) -> np.ndarray:
    out = np.asarray(arr, dtype=dtype)
    if out.size == 0:
        out = out.reshape((0, *shape_tail))
    return out


@dataclass(slots=True)
class Detections:
    """Struct-of-arrays detections; see the module docstring for the contract."""

    xyxy: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    tracker_id: np.ndarray = field(default=None)  # type: ignore[assignment]
    data: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyxy = _as(self.xyxy, np.float32, (4,))
        self.confidence = _as(self.confidence, np.float32)
        self.class_id = _as(self.class_id, np.int32)
        n = len(self.xyxy)
        if self.tracker_id is None:
            self.tracker_id = np.full(n, -1, dtype=np.int64)
        else:
            self.tracker_id = _as(self.tracker_id, np.int64)
        if self.xyxy.ndim != 2 or self.xyxy.shape[1] != 4:
            raise ValueError(f"xyxy must have shape (n, 4), got {self.xyxy.shape}")
        for name in ("confidence", "class_id", "tracker_id"):
            arr = getattr(self, name)
            if arr.shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
        for key, arr in self.data.items():
            if len(arr) != n:
                raise ValueError(f"data[{key!r}] has length {len(arr)}, expected {n}")

    @classmethod
    def empty(cls) -> Detections:
        """Zero rows with correct dtypes and shapes."""
        return cls(
            xyxy=np.zeros((0, 4), np.float32),
            confidence=np.zeros(0, np.float32),
            class_id=np.zeros(0, np.int32),
        )

    @classmethod
    def merge(cls, parts: Iterable[Detections]) -> Detections:
        """Concatenate row-wise. `data` keys must agree across non-empty parts."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        keys = set(parts[0].data)
        if any(set(p.data) != keys for p in parts):
            raise ValueError("cannot merge Detections with different data keys")
        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            tracker_id=np.concatenate([p.tracker_id for p in parts]),
            data={k: np.concatenate([p.data[k] for p in parts]) for k in keys},
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def is_empty(self) -> bool:
        return len(self.xyxy) == 0

    def __getitem__(self, index: np.ndarray | slice | list[int]) -> Detections:
        """Select rows by boolean mask, integer array or slice; always returns Detections."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=self.tracker_id[index],
            data={k: v[index] for k, v in self.data.items()},
        )

    @property
    def area(self) -> np.ndarray:
        """(n,) float32 box areas in px^2."""
        wh = np.clip(self.xyxy[:, 2:] - self.xyxy[:, :2], 0, None)
        return wh[:, 0] * wh[:, 1]

    def anchors(self, where: str = "bottom_center") -> np.ndarray:
        """(n, 2) float32 reference points: "bottom_center" (feet/wheels) or "center"."""
        cx = (self.xyxy[:, 0] + self.xyxy[:, 2]) * 0.5
        if where == "center":
            cy = (self.xyxy[:, 1] + self.xyxy[:, 3]) * 0.5
        elif where == "bottom_center":
            cy = self.xyxy[:, 3]
        else:
            raise ValueError(f"unknown anchor {where!r}")
        return np.stack([cx, cy], axis=1).astype(np.float32)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU, broadcast.

    Args:
        a: (n, 4) xyxy; b: (m, 4) xyxy.
    Returns:
        (n, m) float32 IoU.
    """
    a = a.astype(np.float32, copy=False)[:, None, :]
    b = b.astype(np.float32, copy=False)[None, :, :]
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)
