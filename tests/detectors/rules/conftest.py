"""Synthetic track tables for rule tests: scripted boxes, interpolated, fed straight to the engine."""

from __future__ import annotations

import numpy as np

from detectors.frame import Frame
from detectors.rules import RuleEngine, RuleEvent, RulesConfig
from detectors.types import ClassId, Detections

FPS = 15
EPOCH = 1_700_000_000.0


def box_at(keys: list[tuple[float, float, float, float, float]], t: float) -> np.ndarray | None:
    """Linear interpolation of (t, x1, y1, x2, y2) keyframes; None outside them."""
    times = [k[0] for k in keys]
    if t < times[0] or t > times[-1]:
        return None
    arr = np.asarray(keys, np.float64)
    return np.array([np.interp(t, arr[:, 0], arr[:, i]) for i in range(1, 5)], np.float32)


def run_tracks(rules: RulesConfig, tracks: dict[int, tuple[ClassId, list]], duration: float,
               frame_wh: tuple[int, int] = (640, 360), y: np.ndarray | None = None,
               epoch: float = EPOCH, fps: float = FPS,
               hide: dict[int, tuple[float, float]] | None = None) -> list[RuleEvent]:
    """Feed scripted tracks (id -> (class, keyframes)) frame by frame at `fps` (a camera's detect
    fps: the rules see only those frames); `hide`: id -> (t0, t1), the detector misses that track
    meanwhile. Returns every lifecycle step."""
    engine = RuleEngine(rules)
    plane = y if y is not None else np.zeros((frame_wh[1], frame_wh[0]), np.uint8)
    events: list[RuleEvent] = []
    ts = epoch
    for k in range(int(round(duration * fps))):
        t = k / fps
        ts = epoch + t
        hidden = {tid for tid, (t0, t1) in (hide or {}).items() if t0 <= t <= t1}
        rows = [(tid, cls, b) for tid, (cls, keys) in tracks.items()
                if tid not in hidden and (b := box_at(keys, t)) is not None]
        dets = Detections(
            xyxy=np.asarray([b for _, _, b in rows], np.float32).reshape(-1, 4),
            confidence=np.full(len(rows), 0.9, np.float32),
            class_id=np.asarray([int(c) for _, c, _ in rows], np.int32),
            tracker_id=np.asarray([tid for tid, _, _ in rows], np.int64),
        )
        events += engine.update(Frame("cam", ts, plane), dets)
    return events + engine.close(ts)


def summary(events: list[RuleEvent]) -> list[tuple[str, str]]:
    """(phase, type) of every step, in order."""
    return [(e.phase, e.type) for e in events]
